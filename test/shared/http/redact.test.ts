import { test } from 'node:test';
import assert from 'node:assert/strict';
import { collectSecretValues, redactCredentials, redactText, redactObject } from '../../../shared/http/redact';

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

test('credential-carrying protocol arguments are redacted whatever their value: LOGIN, AUTHENTICATE, AUTH, Bearer, base64 XOAUTH2', () => {
  const xoauth = Buffer.from('user=desk@example.com\x01auth=Bearer eyJ0eXAi.abc\x01\x01').toString('base64');
  const text = [
    'A1 BAD Error in IMAP command LOGIN "desk@example.com" "unknown-pw"',
    `A2 NO AUTHENTICATE XOAUTH2 ${xoauth}`,
    'C: AUTH PLAIN AGRlc2sAcHc=',
    'Authorization: Bearer eyJ0eXAiOiJKV1Qi.x.y',
    `echo ${xoauth}`,
  ].join('\r\n');
  const out = redactCredentials(text);
  for (const leaked of ['unknown-pw', 'desk@example.com" "', xoauth, 'AGRlc2sAcHc=', 'eyJ0eXAi']) assert.ok(!out.includes(leaked), leaked);
  assert.match(out, /^A1 BAD Error in IMAP command LOGIN \[redacted\]\r\n/);
});

test('known secrets are redacted as they are and in their quoted-string and JSON spellings', () => {
  const secret = 'p"a\\ss';
  const quoted = '"p\\"a\\\\ss"'; // as IMAP quotes it
  const out = redactCredentials(`NO login as ${quoted} failed; raw ${secret}; json ${JSON.stringify(secret)}`, [secret]);
  assert.equal(out, 'NO login as "[redacted]" failed; raw [redacted]; json "[redacted]"');
});

test('a long hostile LOGIN line is redacted whole, in one pass', () => {
  const long = `LOGIN ${' '.repeat(500_000)}x${'dXNlcj'.repeat(50_000)}`;
  assert.equal(redactCredentials(long), 'LOGIN [redacted]');
});
