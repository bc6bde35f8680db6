import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

/** Reads the whole request body (the simulator's payloads are small). */
export async function readBody(req: IncomingMessage, limit = 40 * 1024 * 1024): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > limit) throw new Error('request body too large');
    chunks.push(buf);
  }
  return Buffer.concat(chunks);
}

/** Graph's `innerError.date` format: ISO without milliseconds or zone designator. */
function graphDate(d = new Date()): string {
  return d.toISOString().slice(0, 19);
}

export interface RequestIds {
  requestId: string;
  clientRequestId: string;
}

export function requestIds(req: IncomingMessage): RequestIds {
  const client = req.headers['client-request-id'];
  const requestId = randomUUID();
  return { requestId, clientRequestId: typeof client === 'string' && client ? client : requestId };
}

function commonHeaders(res: ServerResponse, ids: RequestIds): void {
  res.setHeader('request-id', ids.requestId);
  res.setHeader('client-request-id', ids.clientRequestId);
  res.setHeader('Cache-Control', 'no-store, no-cache');
}

export function sendJson(res: ServerResponse, ids: RequestIds, status: number, body: unknown, headers: Record<string, string> = {}): void {
  commonHeaders(res, ids);
  for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
  });
  res.end(text);
}

export function sendEmpty(res: ServerResponse, ids: RequestIds, status: number, headers: Record<string, string> = {}): void {
  commonHeaders(res, ids);
  for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
  res.writeHead(status, { 'Content-Length': 0 });
  res.end();
}

export function sendBytes(res: ServerResponse, ids: RequestIds, status: number, body: Buffer, contentType: string, headers: Record<string, string> = {}): void {
  commonHeaders(res, ids);
  for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
  res.writeHead(status, { 'Content-Type': contentType, 'Content-Length': body.length });
  res.end(body);
}

/** Graph's error body: `{ error: { code, message, innerError: { date, request-id, client-request-id } } }`. */
export function graphErrorBody(ids: RequestIds, code: string, message: string): unknown {
  return {
    error: {
      code,
      message,
      innerError: { date: graphDate(), 'request-id': ids.requestId, 'client-request-id': ids.clientRequestId },
    },
  };
}

export function sendGraphError(
  res: ServerResponse,
  ids: RequestIds,
  status: number,
  code: string,
  message: string,
  headers: Record<string, string> = {},
): void {
  sendJson(res, ids, status, graphErrorBody(ids, code, message), headers);
}

/** Thrown by route handlers; the router turns it into Graph's error response. */
export class GraphHttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}
