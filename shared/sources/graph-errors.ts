import { GraphError } from '@microsoft/microsoft-graph-client';
import { MailChannelError, PermanentError, TransientError } from '../errors';
import { retryAfterSeconds } from '../auth/graph-client';
import type { z } from 'zod';
import { targetRefusalIn } from '../net/connect-target';
import { redactCredentials } from '../http/redact';

/**
 * Graph failures as the product's typed errors: can a retry help or not.
 *
 *   429 / 503 / 504          → TransientError GRAPH_THROTTLED / GRAPH_UNAVAILABLE (+ retryAfterMs)
 *   408 / 500 / 502 / other 5xx → TransientError GRAPH_SERVER_ERROR
 *   no response (network, timeout, TLS) → TransientError GRAPH_NETWORK, "could not connect" (detail in cause)
 *   an address the target policy refuses → PermanentError CONNECT_TARGET_REFUSED
 *   403 ErrorAccessDenied "Access to OData is disabled…" → PermanentError GRAPH_MAILBOX_OUT_OF_SCOPE
 *                              (the mailbox is outside the app's Exchange Online scope; no retry)
 *   401 / 403                → PermanentError GRAPH_AUTH (callers retry once with a fresh token first)
 *   404                      → PermanentError GRAPH_NOT_FOUND
 *   other 4xx                → PermanentError GRAPH_REQUEST_REJECTED
 */
export function isGraphError(err: unknown): err is GraphError {
  return err instanceof GraphError;
}

export function graphStatus(err: unknown): number | undefined {
  return isGraphError(err) ? err.statusCode : undefined;
}

/**
 * A GraphError from a raw `Response` (for `ResponseType.RAW` calls, where the client hands
 * back error responses as they are), keeping the status, Graph's error code and the headers.
 */
export async function graphErrorFromResponse(res: Response): Promise<GraphError> {
  const text = await res.text().catch(() => '');
  let code: string | null = null;
  let message = res.statusText;
  try {
    const body = JSON.parse(text) as { error?: { code?: string; message?: string } };
    code = body.error?.code ?? null;
    message = body.error?.message ?? message;
  } catch {
    // not JSON: keep the status text
  }
  const err = new GraphError(res.status, message);
  err.code = code;
  err.headers = res.headers;
  err.body = text;
  return err;
}

/** Delta state expired or unknown: a full resync is needed. */
export function isSyncStateGone(err: unknown): boolean {
  if (!isGraphError(err)) return false;
  const code = (err.code ?? '').toLowerCase();
  return err.statusCode === 410 || code === 'syncstatenotfound' || code === 'resyncrequired' || code === 'syncstateinvalid';
}

/**
 * Exchange Online's answer for a mailbox the app may not open although its token is good: RBAC
 * for Applications (a management scope) or an application access policy leaves the mailbox out.
 * Graph documents the body as 403 `{"error":{"code":"ErrorAccessDenied","message":"Access to
 * OData is disabled."}}`; tenants also see the message with a suffix (": [RAOP] : Blocked by
 * tenant configured AppOnly AccessPolicy settings."). A plain "Access is denied. Check
 * credentials and try again." is a missing permission or consent instead (GRAPH_AUTH).
 */
export function isMailboxOutOfScope(err: unknown): boolean {
  if (!isGraphError(err) || err.statusCode !== 403) return false;
  return (err.code ?? '').toLowerCase() === 'erroraccessdenied' && (err.message ?? '').trimStart().toLowerCase().startsWith('access to odata is disabled');
}

export const GRAPH_MAILBOX_OUT_OF_SCOPE = 'GRAPH_MAILBOX_OUT_OF_SCOPE';

/** What a mapped error can say about where it happened. */
export interface GraphErrorContext {
  /** The mailbox (UPN or id) the call was about. */
  mailbox?: string;
}

export function toChannelError(err: unknown, what: string, context: GraphErrorContext = {}): MailChannelError {
  if (err instanceof MailChannelError) return err;
  const refused = targetRefusalIn(err);
  if (refused) return refused;
  // No answer at all (refused, reset, timed out, TLS): one coarse code and text, so the errors
  // an admin sees cannot tell open, closed and filtered ports apart. The detail stays in `cause` (logs).
  if (!isGraphError(err) || err.statusCode === -1 || err.statusCode === 0 || err.statusCode === undefined) {
    return new TransientError('GRAPH_NETWORK', `${what}: could not connect to Graph`, { cause: err });
  }
  const status = err.statusCode;
  // Graph's message is the service's text: kept, with any bearer token it might quote removed.
  const detail = redactCredentials(`${what}: Graph ${status}${err.code ? ` ${err.code}` : ''}${err.message ? ` — ${err.message}` : ''}`);
  if (status === 429 || status === 503 || status === 504) {
    const seconds = retryAfterSeconds(err.headers?.get('retry-after'));
    return new TransientError(status === 429 ? 'GRAPH_THROTTLED' : 'GRAPH_UNAVAILABLE', detail, {
      cause: err,
      ...(seconds !== undefined ? { retryAfterMs: Math.round(seconds * 1000) } : {}),
    });
  }
  if (status === 408 || status >= 500) return new TransientError('GRAPH_SERVER_ERROR', detail, { cause: err });
  if (isMailboxOutOfScope(err)) {
    const mailbox = context.mailbox ?? 'this mailbox';
    return new PermanentError(
      GRAPH_MAILBOX_OUT_OF_SCOPE,
      redactCredentials(
        `${what}: the app's Exchange Online management scope does not include ${mailbox}: add the mailbox to the scoped group ` +
          `(the mail-enabled security group of the management scope in the app's "Application Mail.ReadWrite" and "Application Mail.Send" role assignments, ` +
          `or of its application access policy); Exchange can take up to two hours to apply such a change (Graph ${status} ${err.code ?? ''} — ${err.message})`,
      ),
      { cause: err },
    );
  }
  if (status === 401 || status === 403) return new PermanentError('GRAPH_AUTH', detail, { cause: err });
  if (status === 404) return new PermanentError('GRAPH_NOT_FOUND', detail, { cause: err });
  return new PermanentError('GRAPH_REQUEST_REJECTED', detail, { cause: err });
}

/** Validates a Graph response we depend on; a different shape is a protocol error naming the field. */
export function parseGraph<S extends z.ZodType>(schema: S, value: unknown, what: string): z.infer<S> {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const issues = r.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
  throw new PermanentError('GRAPH_UNEXPECTED_RESPONSE', `${what}: unexpected response from Graph (${issues})`);
}
