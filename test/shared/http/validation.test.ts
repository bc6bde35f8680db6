import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ChannelInput } from '../../../shared/config/channel';
import { issuesFromZod, parseOrThrow } from '../../../shared/http/validation';
import { ValidationError } from '../../../shared/http/api-error';
import { collectSecretValues } from '../../../shared/http/redact';

const valid = {
  name: 'Support',
  connection: { protocol: 'imap', host: 'imap.example.com', username: 'support@example.com', auth: { type: 'password', password: 'pw-123456' } },
  ticketMapping: { templateId: 'it-support' },
};

test('every wrong field is reported with its dotted path', () => {
  const body = {
    ...valid,
    name: '',
    connection: { ...valid.connection, port: 70000, auth: { type: 'password', password: 42 } },
    domains: { allowed: ['example.com', 'not a domain'] },
  };
  const r = ChannelInput.safeParse(body);
  assert.ok(!r.success);
  const issues = issuesFromZod(r.error.issues);
  const paths = issues.map((i) => i.path).sort();
  assert.deepEqual(paths, ['connection.auth.password', 'connection.port', 'domains.allowed.1', 'name']);
  for (const i of issues) assert.ok(i.message.length > 0);
});

test('an unknown protocol names the discriminator field', () => {
  const r = ChannelInput.safeParse({ ...valid, connection: { ...valid.connection, protocol: 'pop3' } });
  assert.ok(!r.success);
  assert.deepEqual(issuesFromZod(r.error.issues).map((i) => i.path), ['connection.protocol']);
});

test('issues carry only path and message, never the rejected input', () => {
  const r = ChannelInput.safeParse({ ...valid, connection: { ...valid.connection, auth: { type: 'password', password: 'x'.repeat(9000) } } });
  assert.ok(!r.success);
  const issues = issuesFromZod(r.error.issues);
  for (const i of issues) assert.deepEqual(Object.keys(i).sort(), ['message', 'path']);
  assert.ok(!JSON.stringify(issues).includes('xxxxxxxx'));
});

test('a secret from the body is scrubbed even from a message that quotes it', () => {
  const secrets = collectSecretValues({ connection: { auth: { password: 'S3cr3t!value' } } });
  const issues = issuesFromZod(
    [{ code: 'custom', path: ['connection', 'auth', 'password'], message: 'S3cr3t!value is too weak', input: 'S3cr3t!value' }],
    secrets,
  );
  assert.deepEqual(issues, [{ path: 'connection.auth.password', message: '[redacted] is too weak' }]);
});

test('parseOrThrow throws a 400 ValidationError that names the first field', () => {
  assert.throws(
    () => parseOrThrow(ChannelInput, { ...valid, name: '' }),
    (err: unknown) => err instanceof ValidationError && err.status === 400 && err.message.startsWith('name:') && err.issues?.[0]?.path === 'name',
  );
  assert.equal(parseOrThrow(ChannelInput, valid).name, 'Support');
});
