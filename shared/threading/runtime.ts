import { settings } from '../config/settings';
import { secretStore } from '../secrets';
import { tokenKeys } from './token-key';

/**
 * The process's ticket-token keys (signing key first), read from the secret store once and
 * kept for KEY_TTL_MS: a rotation reaches every instance within that time, and a mail
 * costs no Key Vault call.
 */
const KEY_TTL_MS = 10 * 60_000;
let cached: { keys: Promise<Buffer[]>; until: number } | undefined;

export function threadTokenKeys(now = Date.now()): Promise<Buffer[]> {
  if (!cached || cached.until <= now) {
    const keys = tokenKeys(secretStore(), settings().THREAD_TOKEN_KEY_SECRET);
    cached = { keys, until: now + KEY_TTL_MS };
    // a failed read is not kept: the next mail asks again
    keys.catch(() => {
      if (cached?.keys === keys) cached = undefined;
    });
  }
  return cached.keys;
}

/** For tests that point the process at another secret store. */
export function resetThreadTokenKeys(): void {
  cached = undefined;
}
