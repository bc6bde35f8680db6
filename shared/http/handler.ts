import type { HttpHandler, HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { MailChannelError } from '../errors';
import { NotFoundError, PreconditionFailedError, ConflictError, cosmosStatus } from '../store/errors';
import { HttpError, type ApiErrorBody } from './api-error';
import { authenticateAdmin, adminAuthConfigFromEnv, type AdminPrincipal } from './admin-auth';
import { readJsonBody } from './body';
import { crossSiteRefusal } from './cross-site';
import { ifMatchOf } from './etag';
import { collectSecretValues, redactText } from './redact';
import { assertRouteParams } from './route-params';

/**
 * The HTTP edge of the admin API: one wrapper turns an operation (plain async function of
 * a small request context) into an Azure Functions handler that authenticates the caller,
 * refuses possible cross-site state changes (cross-site.ts), checks every route parameter
 * (route-params.ts), reads JSON safely, answers JSON with an ETag header, and maps every
 * error to `{ error, message[, issues] }` with the right status — without a secret in any
 * answer or log line.
 */
export interface ApiRequest {
  request: HttpRequest;
  context: InvocationContext;
  /** The authenticated admin; `anonymous` on public routes. */
  principal: AdminPrincipal | AnonymousCaller;
  /** The route parameter (already checked by route-params.ts), or 404 when missing. */
  param(name: string): string;
  /** `If-Match` entity tags, undefined when not sent. */
  ifMatch: string[] | undefined;
  /** The JSON body (415/413/400 on bad bodies); secret values in it are remembered for redaction. */
  json(): Promise<unknown>;
  /** Secret-looking values of the body read so far (for redacting messages). */
  secrets(): readonly string[];
}

export interface AnonymousCaller {
  kind: 'anonymous';
  name: 'anonymous';
}

export interface ApiResult {
  status?: number;
  body?: unknown;
  /** A non-JSON body (e.g. an attachment download); its content type goes in `headers`. */
  rawBody?: Buffer;
  /** Sent as the ETag header (quoted if it is not already). */
  etag?: string;
  headers?: Record<string, string>;
}

export type ApiOperation = (req: ApiRequest) => Promise<ApiResult>;

const BASE_HEADERS = { 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' };

/** What the edge enforces for a route of the admin route table (see routeHandler). */
export interface EdgeRules {
  /** 401/403 before the operation runs unless the caller is an admin. */
  admin: boolean;
  /** Refuse state changes a cross-site page could have made (cross-site.ts); for routes a browser session reaches. */
  sameSiteOnly: boolean;
}

/**
 * The handler for a route of a route table: admin routes are authenticated and, being
 * reachable with a signed-in browser's cookie, accept state changes only from this site.
 */
export function routeHandler(route: { admin: boolean }, operation: ApiOperation): HttpHandler {
  const rules: EdgeRules = { admin: route.admin, sameSiteOnly: route.admin };
  return (request, context) => run(operation, request, context, rules);
}

/** An admin route: 401/403 before the operation runs unless the caller is an admin; same-site state changes only. */
export function adminHandler(operation: ApiOperation): HttpHandler {
  return routeHandler({ admin: true }, operation);
}

/** A public route (e.g. the OpenAPI document, Graph's notifications): same error handling, no authentication. */
export function publicHandler(operation: ApiOperation): HttpHandler {
  return routeHandler({ admin: false }, operation);
}

async function run(operation: ApiOperation, request: HttpRequest, context: InvocationContext, rules: EdgeRules): Promise<HttpResponseInit> {
  let secrets: string[] = [];
  try {
    let principal: AdminPrincipal | AnonymousCaller = { kind: 'anonymous', name: 'anonymous' };
    if (rules.admin) {
      const outcome = authenticateAdmin(request.headers, adminAuthConfigFromEnv());
      if (!outcome.ok) {
        const headers: Record<string, string> = outcome.status === 401 ? { 'www-authenticate': 'Bearer realm="mail-channel-admin"' } : {};
        throw new HttpError(outcome.status, outcome.status === 401 ? 'unauthorized' : 'forbidden', outcome.message, undefined, headers);
      }
      principal = outcome.principal;
    }
    if (rules.sameSiteOnly) {
      const refusal = crossSiteRefusal(request.method, request.headers, request.url);
      if (refusal) throw new HttpError(403, 'cross_site_request', refusal);
    }
    assertRouteParams(request.params);
    let body: Promise<unknown> | undefined;
    const req: ApiRequest = {
      request,
      context,
      principal,
      ifMatch: ifMatchOf(request),
      param(name) {
        const v = request.params[name];
        if (!v) throw new HttpError(404, 'not_found', `missing route parameter ${name}`);
        return v;
      },
      json() {
        body ??= readJsonBody(request).then((b) => {
          secrets = collectSecretValues(b);
          return b;
        });
        return body;
      },
      secrets: () => secrets,
    };
    const result = await operation(req);
    return {
      status: result.status ?? 200,
      headers: { ...BASE_HEADERS, ...(result.etag ? { etag: quoteEtag(result.etag) } : {}), ...result.headers },
      ...(result.rawBody !== undefined ? { body: result.rawBody } : result.body !== undefined ? { jsonBody: result.body } : {}),
    };
  } catch (err) {
    return errorResponse(err, context, secrets);
  }
}

export function quoteEtag(etag: string): string {
  return etag.startsWith('"') || etag.startsWith('W/"') ? etag : `"${etag}"`;
}

/** Maps any error to its HTTP answer; logs what is unexpected (redacted). */
export function errorResponse(err: unknown, context: InvocationContext | undefined, secrets: readonly string[] = []): HttpResponseInit {
  const { status, body, headers } = classify(err, context?.invocationId);
  const safeBody: ApiErrorBody = {
    ...body,
    message: redactText(body.message, secrets),
    ...(body.issues ? { issues: body.issues.map((i) => ({ path: redactText(i.path, secrets), message: redactText(i.message, secrets) })) } : {}),
  };
  if (status >= 500) {
    const detail = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
    context?.error(`admin API ${status}: ${redactText(detail, secrets)}`);
  }
  return { status, headers: { ...BASE_HEADERS, ...headers }, jsonBody: safeBody };
}

function classify(err: unknown, invocationId?: string): { status: number; body: ApiErrorBody; headers?: Record<string, string> } {
  if (err instanceof HttpError) return { status: err.status, body: err.body(), headers: err.headers };
  if (err instanceof NotFoundError) return { status: 404, body: { error: 'not_found', message: err.message } };
  if (err instanceof PreconditionFailedError) return { status: 412, body: { error: 'precondition_failed', message: err.message } };
  if (err instanceof ConflictError) return { status: 409, body: { error: 'conflict', message: err.message } };
  if (err instanceof MailChannelError) {
    // Our own errors carry messages written for people and free of secrets.
    return err.retryable
      ? { status: 503, body: { error: 'unavailable', message: err.message }, headers: { 'retry-after': '5' } }
      : { status: 500, body: { error: err.code.toLowerCase(), message: err.message } };
  }
  const cosmos = cosmosStatus(err);
  if (cosmos === 429 || cosmos === 503 || cosmos === 408) {
    return { status: 503, body: { error: 'unavailable', message: 'the database is busy; retry shortly' }, headers: { 'retry-after': '5' } };
  }
  return { status: 500, body: { error: 'internal', message: `internal error${invocationId ? ` (invocation ${invocationId})` : ''}` } };
}
