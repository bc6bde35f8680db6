import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ChannelInput, ChannelRecord } from '../../../shared/config/channel';

const base = {
  name: 'Desk',
  connection: { protocol: 'imap', host: 'imap.example.com', username: 'u@example.com', auth: { type: 'password', password: 'pw' } },
  ticketMapping: { templateId: 'it-support' },
};
const oauth = { type: 'oauth', tenantId: 't', clientId: 'c', clientSecret: 's' };

function issuePaths(connection: Record<string, unknown>): string[] {
  const r = ChannelInput.safeParse({ ...base, connection: { ...base.connection, ...connection } });
  return r.success ? [] : r.error.issues.map((i) => i.path.join('.'));
}

test('clear text is an explicit choice for IMAP and SMTP, never for OAuth, never for Graph', () => {
  assert.deepEqual(issuePaths({ tls: 'none' }), ['connection.allowPlaintext']);
  assert.deepEqual(issuePaths({ tls: 'none', allowPlaintext: true }), []);
  assert.deepEqual(issuePaths({ tls: 'none', allowPlaintext: true, auth: oauth }), ['connection.tls']);
  assert.deepEqual(issuePaths({ smtp: { host: 'smtp.example.com', tls: 'none' } }), ['connection.smtp.allowPlaintext']);
  assert.deepEqual(issuePaths({ smtp: { host: 'smtp.example.com', tls: 'none', allowPlaintext: true } }), []);
  // SMTP borrowing an OAuth login is OAuth too
  assert.deepEqual(issuePaths({ auth: oauth, smtp: { host: 'smtp.example.com', tls: 'none', allowPlaintext: true } }), ['connection.smtp.tls']);
  assert.deepEqual(issuePaths({ protocol: 'graph', host: undefined, tls: 'none', auth: oauth }), ['connection.tls']);
  const parsed = ChannelInput.parse(base).connection;
  assert.ok(parsed.protocol === 'imap' && parsed.allowPlaintext === false, 'clear text is off unless chosen');
});

test('a token endpoint is an https URL without user info', () => {
  const at = (tokenEndpoint: string) => issuePaths({ protocol: 'graph', host: undefined, auth: { ...oauth, tokenEndpoint } });
  assert.deepEqual(at('https://login.microsoftonline.us/t/oauth2/v2.0/token'), []);
  assert.deepEqual(at('https://127.0.0.1:8443/t/oauth2/v2.0/token'), []);
  for (const bad of ['http://login.example.com/t/token', 'https://user:pw@login.example.com/t/token', 'file:///etc/passwd', 'https://login example.com/t', 'not a url']) {
    assert.deepEqual([...new Set(at(bad))], ['connection.auth.tokenEndpoint'], bad);
  }
});

test('hosts are checked on input, for IMAP, SMTP and Graph, while a stored record with an old-style host still loads', () => {
  assert.deepEqual(issuePaths({ host: 'imaps://imap.example.com' }), ['connection.host']);
  assert.deepEqual(issuePaths({ smtp: { host: 'smtp.example.com:587' } }), ['connection.smtp.host']);
  assert.deepEqual(issuePaths({ protocol: 'graph', host: 'graph.microsoft.com/v1.0', auth: oauth }), ['connection.host']);
  const now = '2026-01-01T00:00:00.000Z';
  const stored = ChannelRecord.safeParse({
    ...base, id: 'old', status: 'draft', createdAt: now, createdBy: 't', updatedAt: now, updatedBy: 't',
    connection: { ...base.connection, host: 'imap.example.com:993', auth: { type: 'password' } },
  });
  assert.ok(stored.success, 'a channel stored before the rule loads (its host is refused again at connect time)');
});
