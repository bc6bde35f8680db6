import type { SecretRef, SecretStore } from './secret-store';

/**
 * Keeps values read from the store in memory, so a mail source opened per mail does not
 * read Key Vault per mail. Safe because the channel service writes every new value under
 * a fresh name (channel-secrets.ts `secretName`): a name never changes its value, and a
 * rotated secret is a new name in the channel record. `set`/`delete` through this store
 * update the cache too. Bounded: the oldest entries go first.
 */
export class CachingSecretStore implements SecretStore {
  private readonly values = new Map<string, string>();

  constructor(
    private readonly inner: SecretStore,
    private readonly maxEntries = 1000,
  ) {}

  get kind(): SecretStore['kind'] {
    return this.inner.kind;
  }

  async set(name: string, value: string): Promise<SecretRef> {
    const ref = await this.inner.set(name, value);
    this.remember(name, value);
    return ref;
  }

  async get(name: string): Promise<string | undefined> {
    const hit = this.values.get(name);
    if (hit !== undefined) return hit;
    const value = await this.inner.get(name);
    if (value !== undefined) this.remember(name, value);
    return value;
  }

  async delete(name: string): Promise<void> {
    this.values.delete(name);
    await this.inner.delete(name);
  }

  private remember(name: string, value: string): void {
    this.values.delete(name);
    this.values.set(name, value);
    if (this.values.size > this.maxEntries) this.values.delete(this.values.keys().next().value as string);
  }
}
