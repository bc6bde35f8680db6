import { randomUUID } from 'node:crypto';
import { GraphHttpError } from './http-util';

/**
 * Change-notification subscriptions as Graph runs them for Outlook messages: creation
 * validates the notification (and lifecycle) URL with the real handshake — a POST with
 * `?validationToken=…` that must be answered within 10 s with 200, `text/plain` and the
 * decoded token — and notifications are POSTed as `{ value: [changeNotification] }`.
 */
export interface Subscription {
  id: string;
  resource: string;
  changeType: string;
  clientState?: string;
  notificationUrl: string;
  lifecycleNotificationUrl?: string;
  expirationDateTime: string;
  applicationId: string;
  creatorId: string;
  tenantId: string;
  /** The mailbox (lower-case) and folder id it watches; folder undefined = every folder. */
  mailbox: string;
  folderId?: string;
  /** Created with `Prefer: IdType="ImmutableId"`: notifications carry immutable ids. */
  immutableIds: boolean;
}

export interface NotificationRecord {
  subscriptionId: string;
  kind: 'change' | 'lifecycle' | 'validation';
  url: string;
  body: unknown;
  /** HTTP status the receiver answered, or undefined when it could not be reached. */
  status?: number;
  error?: string;
  at: number;
}

/** Maximum lifetime of a subscription to Outlook messages (minutes). */
export const MESSAGE_SUBSCRIPTION_MAX_MINUTES = 10_080;

const VALIDATION_FAILED = 'Subscription validation request failed. Notification endpoint must respond with 200 OK to validation request.';

export function subscriptionJson(s: Subscription, origin: string): Record<string, unknown> {
  return {
    '@odata.context': `${origin}/v1.0/$metadata#subscriptions/$entity`,
    id: s.id,
    resource: s.resource,
    applicationId: s.applicationId,
    changeType: s.changeType,
    clientState: s.clientState ?? null,
    notificationUrl: s.notificationUrl,
    notificationQueryOptions: null,
    lifecycleNotificationUrl: s.lifecycleNotificationUrl ?? null,
    expirationDateTime: s.expirationDateTime,
    creatorId: s.creatorId,
    includeResourceData: null,
    latestSupportedTlsVersion: 'v1_2',
    encryptionCertificate: null,
    encryptionCertificateId: null,
    notificationUrlAppId: null,
  };
}

/** `users/{mb}/messages`, `/users/{mb}/mailFolders('inbox')/messages`, `users/{mb}/mailFolders/{id}/messages`. */
export function parseMessageResource(resource: string): { mailbox: string; folder?: string } | undefined {
  const m = /^\/?users\/([^/]+)\/(?:mailfolders(?:\('([^']+)'\)|\/([^/]+))\/)?messages$/i.exec(resource.trim());
  if (!m) return undefined;
  const folder = m[2] ?? m[3];
  return { mailbox: decodeURIComponent(m[1] ?? '').toLowerCase(), ...(folder ? { folder: decodeURIComponent(folder) } : {}) };
}

export function checkExpiration(value: unknown, now: number): string {
  if (typeof value !== 'string' || Number.isNaN(Date.parse(value))) {
    throw new GraphHttpError(400, 'InvalidRequest', 'expirationDateTime is required and must be a valid DateTimeOffset.');
  }
  const at = Date.parse(value);
  if (at <= now) throw new GraphHttpError(400, 'InvalidRequest', 'Subscription expiration must be in the future.');
  if (at - now > MESSAGE_SUBSCRIPTION_MAX_MINUTES * 60_000) {
    throw new GraphHttpError(400, 'InvalidRequest', `Subscription expiration can only be ${MESSAGE_SUBSCRIPTION_MAX_MINUTES} minutes in the future.`);
  }
  return new Date(at).toISOString().replace('Z', '0000Z');
}

/** POSTs a JSON body and records what the receiver answered. */
export async function postNotification(url: string, body: unknown, timeoutMs: number): Promise<{ status?: number; error?: string }> {
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json; charset=utf-8' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
    await res.arrayBuffer();
    return { status: res.status };
  } catch (err) {
    return { error: (err as Error).message };
  }
}

/** The validation handshake; throws Graph's 400 when the endpoint does not answer correctly. */
export async function validateEndpoint(url: string, timeoutMs: number, record: (r: NotificationRecord) => void, subscriptionId: string): Promise<void> {
  const token = `Validation: Testing client application reachability for subscription Request-Id: ${randomUUID()}`;
  const target = new URL(url);
  target.searchParams.set('validationToken', token);
  let res: Response;
  try {
    res = await fetch(target, { method: 'POST', headers: { 'Content-Type': 'text/plain; charset=utf-8' }, body: '', signal: AbortSignal.timeout(timeoutMs) });
  } catch (err) {
    const timedOut = (err as Error).name === 'TimeoutError';
    record({ subscriptionId, kind: 'validation', url, body: token, error: (err as Error).message, at: Date.now() });
    throw new GraphHttpError(400, timedOut ? 'InvalidRequest' : 'ValidationError', timedOut ? 'Subscription validation request timed out.' : VALIDATION_FAILED);
  }
  const text = await res.text();
  record({ subscriptionId, kind: 'validation', url, body: token, status: res.status, at: Date.now() });
  const contentType = res.headers.get('content-type') ?? '';
  if (res.status !== 200) {
    throw new GraphHttpError(400, 'ValidationError', `Subscription validation request failed. HTTP status code is '${res.status}'. Notification endpoint must respond with 200 OK to validation request.`);
  }
  if (!contentType.toLowerCase().startsWith('text/plain') || text !== token) throw new GraphHttpError(400, 'ValidationError', VALIDATION_FAILED);
}
