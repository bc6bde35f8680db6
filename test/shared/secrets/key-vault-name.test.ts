import { test } from 'node:test';
import assert from 'node:assert/strict';
import { toKeyVaultSecretName, KEY_VAULT_NAME_PATTERN, KEY_VAULT_NAME_MAX } from '../../../shared/secrets/key-vault-name';

test('names the channel service writes are used in Key Vault as they are', () => {
  const name = 'channel-3f2a9c1e-7b4d-4e21-9a0b-1c2d3e4f5a6b-connection-auth-password-0a1b2c3d';
  assert.equal(toKeyVaultSecretName(name), name);
});

test('any other name becomes a valid Key Vault name', () => {
  for (const name of ['channels/abc/connection.auth.password', 'ünïcødé name', '___', 'a'.repeat(300), 'UPPER-case', '-x-']) {
    const kv = toKeyVaultSecretName(name);
    assert.match(kv, KEY_VAULT_NAME_PATTERN, name);
    assert.ok(kv.length <= KEY_VAULT_NAME_MAX, `${name} → ${kv.length} chars`);
  }
});

test('distinct names never share a vault entry, even where Key Vault ignores case or we replace characters', () => {
  const names = ['a.b', 'a/b', 'a b', 'a-b', 'A-b', 'a--b', 'x'.repeat(200) + '1', 'x'.repeat(200) + '2'];
  const mapped = names.map((n) => toKeyVaultSecretName(n).toLowerCase());
  assert.equal(new Set(mapped).size, names.length, mapped.join('\n'));
});

test('the mapping is stable (the same name always finds the same secret)', () => {
  assert.equal(toKeyVaultSecretName('a.b/c'), toKeyVaultSecretName('a.b/c'));
});

test('an empty name is refused', () => {
  assert.throws(() => toKeyVaultSecretName(''), /empty/);
});
