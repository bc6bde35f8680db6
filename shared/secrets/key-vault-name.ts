import { createHash } from 'node:crypto';
import { trimEndOf, trimOf } from '../linear-trim';

/**
 * Key Vault secret names must match `^[0-9a-zA-Z-]+$`, are at most 127 characters long
 * and are case-insensitive. Names that already satisfy that (in lower case) are used as
 * they are, so `channel-<uuid>-connection-auth-password` is readable in the portal. Any
 * other name is made safe (runs of other characters become `-`, lower-cased, shortened) and
 * gets a hash of the original appended, so two different names never share a vault entry.
 */
export const KEY_VAULT_NAME_PATTERN = /^[0-9a-zA-Z-]+$/;
export const KEY_VAULT_NAME_MAX = 127;

const HASH_CHARS = 16;

export function toKeyVaultSecretName(name: string): string {
  if (name.length === 0) throw new Error('secret name must not be empty');
  const lower = name.toLowerCase();
  if (lower === name && KEY_VAULT_NAME_PATTERN.test(name) && name.length <= KEY_VAULT_NAME_MAX) return name;
  const hash = createHash('sha256').update(name, 'utf8').digest('hex').slice(0, HASH_CHARS);
  const safe = trimOf(lower.replace(/[^0-9a-z-]+/g, '-'), '-');
  const room = KEY_VAULT_NAME_MAX - HASH_CHARS - 2; // "x-" or "-" separators
  const head = trimEndOf(safe.slice(0, room), '-');
  return head ? `${head}-${hash}`.slice(0, KEY_VAULT_NAME_MAX) : `x-${hash}`;
}
