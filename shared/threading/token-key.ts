import { randomBytes } from 'node:crypto';
import { PermanentError } from '../errors';
import type { SecretStore } from '../secrets/secret-store';

/**
 * The HMAC key that signs ticket tokens and markers: a secret in the SecretStore (Key Vault
 * in Azure), named by the app setting THREAD_TOKEN_KEY_SECRET. 32 random bytes, base64.
 *
 * Rotation: the secret may hold several keys separated by "," — the first signs, all
 * verify — so mail sent before a rotation still threads while the old key is kept.
 */
export const TOKEN_KEY_BYTES = 32;

export function parseTokenKeys(value: string): Buffer[] {
  const keys = value.split(',').map((k) => Buffer.from(k.trim(), 'base64'));
  if (!keys.length || keys.some((k) => k.length < TOKEN_KEY_BYTES)) {
    throw new PermanentError('THREAD_TOKEN_KEY_INVALID', `the thread token key must be ${TOKEN_KEY_BYTES} or more random bytes in base64 (several separated by ",")`);
  }
  return keys;
}

/**
 * The keys (signing key first). Made on first use when the store has none — so a new
 * deployment works without a manual step; two instances racing on that first use each
 * re-read after writing, so at most the mails signed in that instant carry a lost key.
 */
export async function tokenKeys(store: SecretStore, name: string): Promise<Buffer[]> {
  const stored = await store.get(name);
  if (stored) return parseTokenKeys(stored);
  await store.set(name, randomBytes(TOKEN_KEY_BYTES).toString('base64'));
  const written = await store.get(name);
  if (!written) throw new PermanentError('THREAD_TOKEN_KEY_MISSING', `the secret store lost the thread token key "${name}" just written`);
  return parseTokenKeys(written);
}
