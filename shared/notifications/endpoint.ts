import type { HttpHandler, HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { publicHandler } from '../http/handler';
import { parseOrThrow } from '../http/validation';
import { NotificationBatch, parseNotifications } from './notification-batch';
import { receiveNotifications, type ReceiveDeps } from './receive';

/**
 * The HTTP side of the notification URLs (anonymous: Graph calls them without
 * credentials; the clientState check in receive.ts is what authenticates a notification).
 *
 * 1. Validation handshake: `POST ?validationToken=…` is answered at once with 200,
 *    `text/plain` and the URL-decoded token — before anything else, as Graph allows 10 s.
 * 2. Otherwise the body is a notification batch: parsed (400 naming the field when it is
 *    not `{ value: [...] }`), acted on by `receiveNotifications` (enqueue only), and
 *    answered 202. A storage failure answers 5xx, so Graph delivers the batch again.
 */

/** Graph's tokens are a sentence with a request id; anything far longer is not Graph's. */
const MAX_TOKEN_LENGTH = 1024;

const TEXT_HEADERS = { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' };

/** The handshake answer when the request is one (its query carries `validationToken`), else undefined. */
export function validationResponse(request: Pick<HttpRequest, 'query'>): HttpResponseInit | undefined {
  const token = request.query.get('validationToken');
  if (token === null) return undefined;
  if (token === '' || token.length > MAX_TOKEN_LENGTH) {
    return { status: 400, headers: TEXT_HEADERS, body: `validationToken must be 1 to ${MAX_TOKEN_LENGTH} characters` };
  }
  // URLSearchParams has already decoded it, which is exactly what Graph expects back.
  return { status: 200, headers: TEXT_HEADERS, body: token };
}

/**
 * An HTTP handler for a notification URL; `deps` are built per invocation (they log to its
 * context). They may be a promise, so an entry can load the storage SDKs behind them on the
 * first notification instead of at start (the handshake never needs them).
 */
export function notificationEndpoint(kind: 'change' | 'lifecycle', deps: (context: InvocationContext) => ReceiveDeps | Promise<ReceiveDeps>): HttpHandler {
  const receive = publicHandler(async (req) => {
    const batch = parseNotifications(parseOrThrow(NotificationBatch, await req.json()));
    const report = await receiveNotifications(batch, await deps(req.context));
    req.context.log(`Graph ${kind} notifications: ${report.accepted} accepted, ${report.ignored.length} ignored, ${report.dropped} dropped, ${report.syncs.length} sync(s) queued`, {
      ignored: report.ignored.slice(0, 20),
      syncs: report.syncs,
      requested: report.requested,
    });
    return { status: 202 };
  });
  return async (request, context) => validationResponse(request) ?? receive(request, context);
}
