import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ChannelInput } from '../../../../shared/config/channel';
import { requiredSecretPaths, SECRET_REQUIRED_FOR_TEST, unsavedChannel } from '../../../../shared/admin/connection-test/run';

const base = {
  name: 'x',
  connection: { protocol: 'imap', host: 'imap.example.com', username: 'desk@example.com', auth: { type: 'password', password: 'imap-pw' } },
  ticketMapping: { templateId: 'it-support' },
};

test('an unsaved configuration becomes a record whose secrets live only in memory, under made-up names', () => {
  const input = ChannelInput.parse({ ...base, connection: { ...base.connection, smtp: { host: 'smtp.example.com', auth: { type: 'password', password: 'smtp-pw' } } } });
  const r = unsavedChannel(input);
  assert.ok('channel' in r);
  const conn = r.channel.connection;
  assert.equal(conn.protocol, 'imap');
  const imapRef = conn.auth.type === 'password' ? conn.auth.password?.ref : undefined;
  const smtpRef = conn.protocol === 'imap' && conn.smtp?.auth?.type === 'password' ? conn.smtp.auth.password?.ref : undefined;
  assert.equal(r.values.get(imapRef!), 'imap-pw');
  assert.equal(r.values.get(smtpRef!), 'smtp-pw');
  assert.ok(!JSON.stringify(r.channel).includes('-pw'), 'the record holds references, not values');
});

test('every secret the configuration needs must be in the body: password, client secret (either OAuth flow; the authorization-code flow\'s refresh token is the sign-in\'s)', () => {
  const noPassword = ChannelInput.parse({ ...base, connection: { ...base.connection, auth: { type: 'password' } } });
  const r = unsavedChannel(noPassword);
  assert.ok('issues' in r);
  assert.deepEqual(r.issues, [{ path: 'connection.auth.password', message: SECRET_REQUIRED_FOR_TEST }]);

  const oauth = (flow: string, extra: object) => ChannelInput.parse({ ...base, connection: { ...base.connection, auth: { type: 'oauth', flow, tenantId: 't', clientId: 'c', ...extra } } });
  assert.deepEqual(requiredSecretPaths(oauth('clientCredentials', {})), ['connection.auth.clientSecret']);
  assert.deepEqual(requiredSecretPaths(oauth('authorizationCode', {})), ['connection.auth.clientSecret']);
  assert.ok('channel' in unsavedChannel(oauth('clientCredentials', { clientSecret: 'cs' })));
  const graphMi = ChannelInput.parse({ ...base, connection: { protocol: 'graph', username: 'desk@example.com', auth: { type: 'managedIdentity' } } });
  assert.deepEqual(requiredSecretPaths(graphMi), []);
  assert.ok('channel' in unsavedChannel(graphMi));
});
