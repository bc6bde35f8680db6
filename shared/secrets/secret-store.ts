import type { SecretRef } from '../config/channel';

/**
 * The secret store seam: where passwords, client secrets and refresh tokens live.
 *
 * Cosmos only ever holds the `SecretRef` that `set` returns; the value is read back with
 * `get(ref.ref)` at the moment a connection needs it. Two implementations:
 * `KeyVaultSecretStore` (Azure, `KEY_VAULT_URI`) and `LocalFileSecretStore` (development:
 * one AES-256-GCM encrypted file). `createSecretStore(settings)` picks one.
 *
 * Names: any string of letters, digits and `-` works unchanged in both stores (Key Vault's
 * own rule); other names are mapped by Key Vault to a safe form (see key-vault-name.ts).
 */
export interface SecretStore {
  /** Which implementation this is, for health output and logs (never the location). */
  readonly kind: 'keyVault' | 'localFile';
  /** Creates or overwrites the secret `name`; returns the reference to keep instead of the value. */
  set(name: string, value: string): Promise<SecretRef>;
  /** The value, or undefined when no such secret exists. */
  get(name: string): Promise<string | undefined>;
  /** Removes the secret; removing a missing secret is not an error. */
  delete(name: string): Promise<void>;
}

export type { SecretRef };
