import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CachingSecretStore } from '../../../shared/secrets/caching-store';
import type { SecretStore } from '../../../shared/secrets/secret-store';

function countingStore(): SecretStore & { gets: number; data: Map<string, string> } {
  const data = new Map<string, string>();
  const store = {
    kind: 'localFile' as const,
    gets: 0,
    data,
    async set(name: string, value: string) {
      data.set(name, value);
      return { ref: name, updatedAt: new Date().toISOString() };
    },
    async get(name: string) {
      store.gets++;
      return data.get(name);
    },
    async delete(name: string) {
      data.delete(name);
    },
  };
  return store;
}

test('a secret is read from the store once, however many mails need it', async () => {
  const inner = countingStore();
  inner.data.set('channel-a-password-1', 's3cret');
  const store = new CachingSecretStore(inner);
  for (let i = 0; i < 50; i++) assert.equal(await store.get('channel-a-password-1'), 's3cret');
  assert.equal(inner.gets, 1);
});

test('deleting a secret forgets it; a missing secret is not cached', async () => {
  const inner = countingStore();
  const store = new CachingSecretStore(inner);
  await store.set('n1', 'v1');
  assert.equal(await store.get('n1'), 'v1');
  assert.equal(inner.gets, 0, 'a value just written is known without a read');
  await store.delete('n1');
  assert.equal(await store.get('n1'), undefined);
  assert.equal(await store.get('n1'), undefined);
  assert.equal(inner.gets, 2);
});

test('the cache is bounded: the oldest entries are dropped first', async () => {
  const inner = countingStore();
  const store = new CachingSecretStore(inner, 2);
  for (const n of ['a', 'b', 'c']) await store.set(n, n.toUpperCase());
  await store.get('c');
  await store.get('b');
  assert.equal(inner.gets, 0);
  await store.get('a');
  assert.equal(inner.gets, 1, '"a" was evicted and read again');
});
