import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';

/**
 * The `state` of a sign-in (authorization-code flow), as pure decisions.
 *
 * `start` makes three values: the `state` sent to the provider (`<channel id, base64url>.<nonce>`,
 * so the callback knows which channel's record to read), a browser binding (a random value the
 * start response sets as an HttpOnly cookie), and the record kept server-side: the nonce's hash
 * (the store never holds a usable state), the binding's hash, the admin who started it, the
 * PKCE verifier, and a short expiry. The callback is valid only with a live record whose
 * binding matches the cookie of the browser that started it (CSRF and code injection: a state
 * or code carried to another browser fails), and the record is deleted on first use.
 */
export const STATE_TTL_MS = 10 * 60_000;

export const AuthorizationStateRecord = z.object({
  /** sha256(nonce), hex. */
  id: z.string().regex(/^[0-9a-f]{64}$/),
  channelId: z.string().min(1),
  kind: z.literal('oauthState'),
  /** sha256(browser binding), hex. */
  bindingHash: z.string().regex(/^[0-9a-f]{64}$/),
  /** Who started the sign-in (the admin principal's name), for the audit trail. */
  startedBy: z.string().min(1),
  codeVerifier: z.string().min(43).max(128),
  redirectUrl: z.url(),
  expiresAt: z.iso.datetime(),
});
export type AuthorizationStateRecord = z.infer<typeof AuthorizationStateRecord>;

export interface StartedAuthorization {
  state: string;
  /** Goes to the browser as a cookie, never to the provider. */
  binding: string;
  record: AuthorizationStateRecord;
}

const sha256 = (value: string) => createHash('sha256').update(value, 'utf8').digest('hex');
const random = () => randomBytes(32).toString('base64url');

export function startAuthorization(input: { channelId: string; startedBy: string; codeVerifier: string; redirectUrl: string; now: Date; ttlMs?: number }): StartedAuthorization {
  const nonce = random();
  const binding = random();
  return {
    state: `${Buffer.from(input.channelId, 'utf8').toString('base64url')}.${nonce}`,
    binding,
    record: AuthorizationStateRecord.parse({
      id: sha256(nonce),
      channelId: input.channelId,
      kind: 'oauthState',
      bindingHash: sha256(binding),
      startedBy: input.startedBy,
      codeVerifier: input.codeVerifier,
      redirectUrl: input.redirectUrl,
      expiresAt: new Date(input.now.getTime() + (input.ttlMs ?? STATE_TTL_MS)).toISOString(),
    }),
  };
}

/** Where a state's record is: its channel and record id; undefined for anything not shaped like our state. */
export function locateState(state: string): { channelId: string; id: string } | undefined {
  if (state.length > 1024) return undefined;
  const dot = state.indexOf('.');
  if (dot <= 0 || dot !== state.lastIndexOf('.')) return undefined;
  const channelPart = state.slice(0, dot);
  const nonce = state.slice(dot + 1);
  if (!isBase64Url(channelPart) || !isBase64Url(nonce) || nonce.length !== 43) return undefined;
  const channelId = Buffer.from(channelPart, 'base64url').toString('utf8');
  if (!channelId) return undefined;
  return { channelId, id: sha256(nonce) };
}

function isBase64Url(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const ok = (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 45 || c === 95;
    if (!ok) return false;
  }
  return s.length > 0;
}

export type CallbackRefusal = 'unknownState' | 'expired' | 'otherBrowser';

/**
 * Whether a callback may redeem its code: the record (already taken out of the store, so a
 * replay finds none), the cookie of the browser that arrived, and the time.
 */
export function checkCallback(record: AuthorizationStateRecord | undefined, binding: string | undefined, now: Date): { ok: true; record: AuthorizationStateRecord } | { ok: false; reason: CallbackRefusal } {
  if (!record) return { ok: false, reason: 'unknownState' };
  if (Date.parse(record.expiresAt) <= now.getTime()) return { ok: false, reason: 'expired' };
  if (!binding) return { ok: false, reason: 'otherBrowser' };
  const given = Buffer.from(sha256(binding), 'hex');
  const expected = Buffer.from(record.bindingHash, 'hex');
  if (!timingSafeEqual(given, expected)) return { ok: false, reason: 'otherBrowser' };
  return { ok: true, record };
}

/** What the callback page says for each refusal (the admin's next step). */
export const CALLBACK_REFUSAL_TEXT: Record<CallbackRefusal, string> = {
  unknownState: 'This sign-in link is not valid or was already used. Start the sign-in again from the channel.',
  expired: 'This sign-in took too long and expired. Start the sign-in again from the channel.',
  otherBrowser: 'This sign-in was started in another browser. Finish it in the browser where you started it, or start again.',
};
