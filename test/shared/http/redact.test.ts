import { test } from 'node:test';
import assert from 'node:assert/strict';
import { collectSecretValues, redactText, redactObject } from '../../../shared/http/redact';

test('secret values are found under any secret-looking key at any depth, also in the wrong place', () => {
  const body = {
    name: 'Support',
    connection: { auth: { type: 'oauth', clientSecret: 'cs-1', refreshToken: 'rt-2' }, smtp: { auth: { password: 'pw-3' } } },
    misplaced: [{ apiKey: 'ak-4' }],
    token: { nested: 'tk-5' },
  };
  assert.deepEqual(collectSecretValues(body).sort(), ['ak-4', 'cs-1', 'pw-3', 'rt-2', 'tk-5']);
});

test('redactText removes every occurrence, longest secret first', () => {
  assert.equal(redactText('abc abcdef abc', ['abc', 'abcdef']), '[redacted] [redacted] [redacted]');
});

test('redactObject masks values of secret keys and keeps the rest', () => {
  const out = redactObject({ user: 'u', password: 'p', auth: { clientSecret: 'c', isSet: true }, list: [{ token: 't' }] });
  assert.deepEqual(out, { user: 'u', password: '[redacted]', auth: { clientSecret: '[redacted]', isSet: true }, list: [{ token: '[redacted]' }] });
});
