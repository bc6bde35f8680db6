import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createSecretStore } from '../../../shared/secrets';
import { loadSettings } from '../../../shared/config/settings';

const base = { COSMOS_ENDPOINT: 'http://127.0.0.1:1/' };

test('with KEY_VAULT_URI the secrets go to Key Vault', () => {
  const s = loadSettings({ ...base, KEY_VAULT_URI: 'https://kv-example.vault.azure.net/', LOCAL_SECRETS_KEY: randomBytes(32).toString('hex') });
  assert.equal(createSecretStore(s).kind, 'keyVault');
});

test('without Key Vault but with LOCAL_SECRETS_KEY the local encrypted file is used', () => {
  const s = loadSettings({ ...base, LOCAL_SECRETS_KEY: randomBytes(32).toString('hex'), LOCAL_SECRETS_FILE: '/tmp/x/secrets.json' });
  assert.equal(createSecretStore(s).kind, 'localFile');
});

test('with neither, the app refuses to take secrets instead of keeping them in clear', () => {
  assert.throws(() => createSecretStore(loadSettings(base)), /no secret store configured/);
});
