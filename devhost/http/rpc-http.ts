import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RpcHttpCookie, RpcHttpData, RpcNullableString, RpcTypedData } from '../core-api';

/**
 * Converts between Node's HTTP objects and the worker protocol's RpcHttp, as the host
 * does (GrpcMessageConversionExtensions.ToRpcHttp) for a worker that asks for nullable
 * dictionaries and raw body bytes (the Node.js worker does): header names lower-cased,
 * repeated query values joined with ",", route values only when not null, the body
 * as bytes when there is one.
 */
function nullable(value: string): RpcNullableString {
  return { value };
}

export function toRpcHttpRequest(req: IncomingMessage, url: URL, body: Buffer, params: Record<string, string>): RpcTypedData {
  const headers: Record<string, RpcNullableString> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    headers[name.toLowerCase()] = nullable(Array.isArray(value) ? value.join(', ') : value);
  }
  const query: Record<string, RpcNullableString> = {};
  for (const key of new Set(url.searchParams.keys())) {
    query[key] = nullable(url.searchParams.getAll(key).join(','));
  }
  const routeParams: Record<string, RpcNullableString> = {};
  for (const [k, v] of Object.entries(params)) routeParams[k] = nullable(v);
  const http: RpcHttpData = {
    method: req.method ?? 'GET',
    url: url.toString(),
    nullableHeaders: headers,
    nullableQuery: query,
    nullableParams: routeParams,
  };
  if (body.length > 0) http.body = { bytes: body };
  return { http };
}

function cookieHeader(c: RpcHttpCookie): string {
  const parts = [`${c.name ?? ''}=${c.value ?? ''}`];
  const seconds = c.expires?.value?.seconds;
  if (seconds !== undefined && seconds !== null) parts.push(`expires=${new Date(Number(seconds) * 1000).toUTCString()}`);
  if (c.maxAge?.value !== undefined && c.maxAge.value !== null) parts.push(`max-age=${Math.trunc(c.maxAge.value)}`);
  if (c.domain?.value) parts.push(`domain=${c.domain.value}`);
  if (c.path?.value) parts.push(`path=${c.path.value}`);
  if (c.secure?.value) parts.push('secure');
  if (c.sameSite === 'lax') parts.push('samesite=lax');
  else if (c.sameSite === 'strict') parts.push('samesite=strict');
  else if (c.sameSite === 'explicitNone') parts.push('samesite=none');
  if (c.httpOnly?.value) parts.push('httponly');
  return parts.join('; ');
}

function bodyBytes(data: RpcTypedData | null | undefined): Buffer {
  if (!data) return Buffer.alloc(0);
  if (data.bytes) return Buffer.from(data.bytes);
  if (typeof data.string === 'string') return Buffer.from(data.string, 'utf8');
  if (typeof data.json === 'string') return Buffer.from(data.json, 'utf8');
  if (typeof data.int === 'number') return Buffer.from(String(data.int));
  if (typeof data.double === 'number') return Buffer.from(String(data.double));
  return Buffer.alloc(0);
}

/**
 * Writes the function's HTTP output. No output at all is a 200 with an empty body
 * (the host's FunctionInvocationMiddleware returns OkResult).
 */
export function writeRpcHttpResponse(res: ServerResponse, output: RpcTypedData | null | undefined): void {
  const http = output?.http;
  if (!http) {
    res.writeHead(200, { 'content-length': '0' });
    res.end();
    return;
  }
  const status = Number(http.statusCode ?? '200') || 200;
  for (const [name, value] of Object.entries(http.headers ?? {})) {
    // Content length is the server's to set (the body may be re-encoded).
    if (name.toLowerCase() === 'content-length') continue;
    res.setHeader(name, value);
  }
  const cookies = (http.cookies ?? []).map(cookieHeader);
  if (cookies.length > 0) res.setHeader('set-cookie', cookies);
  const body = bodyBytes(http.body);
  const noBody = status === 204 || status === 304 || (status >= 100 && status < 200);
  if (!noBody) res.setHeader('content-length', String(body.length));
  res.writeHead(status);
  res.end(noBody ? undefined : body);
}
