import { SecretClient } from '@azure/keyvault-secrets';
import type { TokenCredential } from '@azure/identity';
import { DefaultAzureCredential } from '@azure/identity';
import { PermanentError, TransientError } from '../errors';
import type { SecretRef, SecretStore } from './secret-store';
import { toKeyVaultSecretName } from './key-vault-name';

/**
 * Secrets in Azure Key Vault, reached with the app's managed identity
 * (role "Key Vault Secrets Officer" on the vault; see infra/).
 *
 * Deleting is a soft delete (the vault keeps the secret recoverable for its retention
 * period); callers that rotate a secret write it under a new name (see
 * shared/admin/channel-secrets.ts), so a name is never re-created while soft-deleted.
 */
export class KeyVaultSecretStore implements SecretStore {
  readonly kind = 'keyVault' as const;
  private readonly client: SecretClient;

  constructor(vaultUri: string, credential: TokenCredential = new DefaultAzureCredential()) {
    this.client = new SecretClient(vaultUri, credential);
  }

  async set(name: string, value: string): Promise<SecretRef> {
    try {
      const stored = await this.client.setSecret(toKeyVaultSecretName(name), value, { contentType: 'text/plain' });
      const updatedAt = (stored.properties.updatedOn ?? new Date()).toISOString();
      return { ref: name, updatedAt };
    } catch (err) {
      throw keyVaultError('set', err);
    }
  }

  async get(name: string): Promise<string | undefined> {
    try {
      const secret = await this.client.getSecret(toKeyVaultSecretName(name));
      return secret.value;
    } catch (err) {
      if (statusOf(err) === 404) return undefined;
      throw keyVaultError('get', err);
    }
  }

  async delete(name: string): Promise<void> {
    try {
      // Starting the deletion is enough: the secret is unreadable from that moment.
      await this.client.beginDeleteSecret(toKeyVaultSecretName(name));
    } catch (err) {
      if (statusOf(err) === 404) return;
      throw keyVaultError('delete', err);
    }
  }
}

function statusOf(err: unknown): number | undefined {
  const status = (err as { statusCode?: unknown } | null)?.statusCode;
  return typeof status === 'number' ? status : undefined;
}

/** Maps a Key Vault failure to "retry may help" or not; never includes the value. */
function keyVaultError(op: string, err: unknown): Error {
  const status = statusOf(err);
  const code = (err as { code?: unknown } | null)?.code;
  const detail = `Key Vault ${op} failed${status ? ` (HTTP ${status}${typeof code === 'string' ? ` ${code}` : ''})` : ''}`;
  if (status === 401 || status === 403) return new PermanentError('KEY_VAULT_FORBIDDEN', `${detail}: the app's identity lacks a Key Vault secrets role`, { cause: err });
  if (status !== undefined && status >= 400 && status < 500 && status !== 408 && status !== 429) {
    return new PermanentError('KEY_VAULT_REJECTED', detail, { cause: err });
  }
  return new TransientError('KEY_VAULT_UNAVAILABLE', detail, { cause: err });
}
