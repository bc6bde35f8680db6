import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { LocalFileSecretStore, parseLocalSecretsKey } from '../../../shared/secrets/local-file-store';
import { PermanentError } from '../../../shared/errors';

function tempFile(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'secrets-'));
  return path.join(dir, 'nested', 'secrets.enc.json');
}

const KEY = randomBytes(32).toString('base64');

test('a stored secret reads back, and the file on disk never contains it in clear', async () => {
  const file = tempFile();
  const store = new LocalFileSecretStore(file, KEY);
  const ref = await store.set('channel-1-connection-auth-password', 'hunter2-very-secret');
  assert.equal(ref.ref, 'channel-1-connection-auth-password');
  assert.ok(!Number.isNaN(Date.parse(ref.updatedAt)));
  assert.equal(await store.get('channel-1-connection-auth-password'), 'hunter2-very-secret');
  const raw = fs.readFileSync(file, 'utf8');
  assert.ok(!raw.includes('hunter2'), 'plaintext found in the file');
  assert.ok(!raw.includes('channel-1'), 'secret names are encrypted too');
  assert.equal((fs.statSync(file).mode & 0o777).toString(8), '600');
});

test('a second store with the same key and file sees the secrets (they survive a restart)', async () => {
  const file = tempFile();
  await new LocalFileSecretStore(file, KEY).set('a', 'one');
  assert.equal(await new LocalFileSecretStore(file, KEY).get('a'), 'one');
});

test('a missing secret reads as undefined and deleting it is not an error', async () => {
  const store = new LocalFileSecretStore(tempFile(), KEY);
  assert.equal(await store.get('nope'), undefined);
  await store.delete('nope');
  await store.set('x', '1');
  await store.delete('x');
  assert.equal(await store.get('x'), undefined);
  assert.equal(await store.get('constructor'), undefined, 'object prototype keys are not secrets');
});

test('the wrong key gives a clear error naming LOCAL_SECRETS_KEY, not garbage', async () => {
  const file = tempFile();
  await new LocalFileSecretStore(file, KEY).set('a', 'one');
  const other = new LocalFileSecretStore(file, randomBytes(32).toString('hex'));
  await assert.rejects(other.get('a'), (err: unknown) => {
    assert.ok(err instanceof PermanentError);
    assert.equal(err.code, 'LOCAL_SECRETS_KEY_MISMATCH');
    assert.match(err.message, /LOCAL_SECRETS_KEY is not the key/);
    return true;
  });
  // and a write with the wrong key does not destroy the file
  await assert.rejects(other.set('b', 'two'));
  assert.equal(await new LocalFileSecretStore(file, KEY).get('a'), 'one');
});

test('a damaged file is reported, not silently replaced', async () => {
  const file = tempFile();
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, '{"not":"ours"}');
  await assert.rejects(new LocalFileSecretStore(file, KEY).get('a'), /LOCAL_SECRETS_FILE_INVALID|is not a/);
});

test('concurrent writers in one process lose no update, and leave no temp files behind', async () => {
  const file = tempFile();
  const store = new LocalFileSecretStore(file, KEY);
  await Promise.all(Array.from({ length: 40 }, (_, i) => store.set(`s${i}`, `value-${i}`)));
  await Promise.all([store.delete('s0'), store.set('s1', 'changed'), store.set('extra', 'e')]);
  const fresh = new LocalFileSecretStore(file, KEY);
  for (let i = 2; i < 40; i++) assert.equal(await fresh.get(`s${i}`), `value-${i}`);
  assert.equal(await fresh.get('s0'), undefined);
  assert.equal(await fresh.get('s1'), 'changed');
  assert.equal(await fresh.get('extra'), 'e');
  assert.deepEqual(fs.readdirSync(path.dirname(file)), ['secrets.enc.json']);
});

test('the key is accepted as 64 hex digits or base64 of 32 bytes, and refused otherwise with how to make one', () => {
  const bytes = randomBytes(32);
  assert.deepEqual(parseLocalSecretsKey(bytes.toString('hex')), bytes);
  assert.deepEqual(parseLocalSecretsKey(bytes.toString('base64')), bytes);
  assert.throws(() => parseLocalSecretsKey('too-short'), /32 bytes.*randomBytes\(32\)/s);
  assert.throws(() => new LocalFileSecretStore(tempFile(), randomBytes(16).toString('base64')), /LOCAL_SECRETS_KEY must be 32 bytes/);
});
