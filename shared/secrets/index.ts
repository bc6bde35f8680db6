import path from 'node:path';
import { PermanentError } from '../errors';
import { settings, type Settings } from '../config/settings';
import type { SecretStore } from './secret-store';
import { KeyVaultSecretStore } from './key-vault-store';
import { LocalFileSecretStore } from './local-file-store';
import { CachingSecretStore } from './caching-store';

export type { SecretStore, SecretRef } from './secret-store';
export { KeyVaultSecretStore } from './key-vault-store';
export { LocalFileSecretStore, parseLocalSecretsKey } from './local-file-store';
export { toKeyVaultSecretName } from './key-vault-name';

/** Where the local store writes when LOCAL_SECRETS_FILE is not set (git-ignored). */
export const DEFAULT_LOCAL_SECRETS_FILE = '.local/secrets.enc.json';

/**
 * Picks the store from the settings: Key Vault when `KEY_VAULT_URI` is set, otherwise the
 * local encrypted file (which needs `LOCAL_SECRETS_KEY`). Without either, secrets cannot be
 * kept safely, so this refuses rather than storing them in clear.
 */
export function createSecretStore(s: Settings): SecretStore {
  if (s.KEY_VAULT_URI) return new KeyVaultSecretStore(s.KEY_VAULT_URI);
  if (s.LOCAL_SECRETS_KEY) {
    return new LocalFileSecretStore(path.resolve(s.LOCAL_SECRETS_FILE ?? DEFAULT_LOCAL_SECRETS_FILE), s.LOCAL_SECRETS_KEY);
  }
  throw new PermanentError(
    'SECRET_STORE_NOT_CONFIGURED',
    'no secret store configured: set KEY_VAULT_URI (Azure) or LOCAL_SECRETS_KEY (+ LOCAL_SECRETS_FILE) for development',
  );
}

let current: SecretStore | undefined;

/** The process-wide secret store, created from the settings on first use. */
export function secretStore(): SecretStore {
  current ??= new CachingSecretStore(createSecretStore(settings()));
  return current;
}

/** For tests that change the settings between cases. */
export function resetSecretStore(): void {
  current = undefined;
}
