import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { LocalFileSecretStore } from '../../../shared/secrets';
import { parseTokenKeys, tokenKeys } from '../../../shared/threading/token-key';
import { loadSettings } from '../../../shared/config/settings';

function store() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mc-token-key-'));
  return new LocalFileSecretStore(path.join(dir, 'secrets.enc.json'), randomBytes(32).toString('base64'));
}

test('the token key is made once in the secret store and read back the same afterwards', async () => {
  const s = store();
  const [first] = await tokenKeys(s, 'thread-token-key');
  assert.equal(first?.length, 32);
  const [again] = await tokenKeys(s, 'thread-token-key');
  assert.ok(again && first.equals(again));
});

test('a rotated secret holds several keys: the first signs, all verify', async () => {
  const s = store();
  const a = randomBytes(32).toString('base64');
  const b = randomBytes(32).toString('base64');
  await s.set('k', `${a}, ${b}`);
  const keys = await tokenKeys(s, 'k');
  assert.deepEqual(keys.map((k) => k.toString('base64')), [a, b]);
});

test('a key shorter than 32 bytes is refused with a code', () => {
  assert.throws(() => parseTokenKeys(randomBytes(16).toString('base64')), { code: 'THREAD_TOKEN_KEY_INVALID' });
});

test('the app setting THREAD_TOKEN_KEY_SECRET names the secret (default thread-token-key)', () => {
  const base = { COSMOS_ENDPOINT: 'http://127.0.0.1:1' };
  assert.equal(loadSettings(base).THREAD_TOKEN_KEY_SECRET, 'thread-token-key');
  assert.equal(loadSettings({ ...base, THREAD_TOKEN_KEY_SECRET: 'mc-token-key-2' }).THREAD_TOKEN_KEY_SECRET, 'mc-token-key-2');
  assert.throws(() => loadSettings({ ...base, THREAD_TOKEN_KEY_SECRET: 'no/slash' }));
});
