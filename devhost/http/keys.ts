import { randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Function keys, as the Functions host checks them: `authLevel` "function" accepts a host
 * key or the master key, "admin" only the master key, "anonymous" anything. The key comes
 * from the `x-functions-key` header, else the `code` query parameter. No valid key → 401.
 *
 * Locally the keys come from settings: `DEVHOST_MASTER_KEY` and `DEVHOST_HOST_KEY`
 * (the host's "default" host key); missing ones are generated at start.
 */
export type AuthLevel = 'anonymous' | 'function' | 'admin';

export interface HostKeys {
  master: string;
  /** Host keys by name ("default"). */
  host: Record<string, string>;
}

export function newKey(): string {
  // Same shape as the host's generated keys: URL-safe base64 of 40 random bytes.
  return randomBytes(40).toString('base64url');
}

export function keysFromSettings(env: Record<string, string | undefined>): HostKeys {
  return {
    master: env.DEVHOST_MASTER_KEY || newKey(),
    host: { default: env.DEVHOST_HOST_KEY || newKey() },
  };
}

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** The key a request presents: header first, then `?code=`. */
export function presentedKey(headers: Record<string, string | string[] | undefined>, query: URLSearchParams): string | undefined {
  const h = headers['x-functions-key'];
  const header = Array.isArray(h) ? h[0] : h;
  if (header) return header;
  return query.get('code') ?? undefined;
}

export function isAuthorized(level: AuthLevel, key: string | undefined, keys: HostKeys): boolean {
  if (level === 'anonymous') return true;
  if (!key) return false;
  if (same(key, keys.master)) return true;
  if (level === 'admin') return false;
  return Object.values(keys.host).some((k) => same(key, k));
}
