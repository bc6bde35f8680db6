import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { ChannelInput, ChannelRecord, ChannelView } from '../../../shared/config/channel';
import { LocalFileSecretStore } from '../../../shared/secrets/local-file-store';
import {
  storeInputSecrets, secretStatusView, secretSlots, dropSecretStatusObjects, recordSecretRefs,
} from '../../../shared/admin/channel-secrets';

const store = new LocalFileSecretStore(path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'cs-')), 's.json'), randomBytes(32));

const everySecret = ChannelInput.parse({
  name: 'All secrets',
  connection: {
    protocol: 'imap', host: 'imap.example.com', username: 'u@example.com',
    auth: { type: 'oauth', tenantId: 't', clientId: 'c', clientSecret: 'imap-client-secret', refreshToken: 'imap-refresh-token' },
    smtp: { host: 'smtp.example.com', auth: { type: 'password', password: 'smtp-password' } },
  },
  ticketMapping: { templateId: 'it-support' },
});

const audit = { id: 'ch', status: 'draft', createdAt: '2024-01-01T00:00:00.000Z', createdBy: 't', updatedAt: '2024-01-01T00:00:00.000Z', updatedBy: 't' } as const;

test('every secret a channel can hold goes to the store; the record holds only references', async () => {
  assert.deepEqual(secretSlots(everySecret).map((s) => s.path), ['connection.auth.clientSecret', 'connection.auth.refreshToken', 'connection.smtp.auth.password']);
  const { record, written, obsolete } = await storeInputSecrets('ch', everySecret, undefined, store);
  const full = ChannelRecord.parse({ ...record, ...audit }); // fails if any secret were left as a string
  const json = JSON.stringify(full);
  for (const v of ['imap-client-secret', 'imap-refresh-token', 'smtp-password']) assert.ok(!json.includes(v), v);
  assert.equal(written.length, 3);
  assert.deepEqual(obsolete, []);
  const values = await Promise.all(recordSecretRefs(full).map((r) => store.get(r.ref)));
  assert.deepEqual(values.sort(), ['imap-client-secret', 'imap-refresh-token', 'smtp-password']);
});

test('the view shows { isSet } for each applicable secret, set or not', async () => {
  const input = ChannelInput.parse({ ...everySecret, connection: { ...everySecret.connection, auth: { type: 'oauth', tenantId: 't', clientId: 'c', clientSecret: 'x' } } });
  const { record } = await storeInputSecrets('ch', input, undefined, store);
  const view = ChannelView.parse({ ...secretStatusView(ChannelRecord.parse({ ...record, ...audit })), etag: '"e"' });
  assert.deepEqual(view.connection.auth, { type: 'oauth', flow: 'clientCredentials', tenantId: 't', clientId: 'c', scopes: [], clientSecret: { isSet: true }, refreshToken: { isSet: false } });
});

test('absent keeps the stored secret, null clears it, a value replaces it under a new name; old names become obsolete', async () => {
  const first = ChannelRecord.parse({ ...(await storeInputSecrets('ch', everySecret, undefined, store)).record, ...audit });
  const before = Object.fromEntries(recordSecretRefs(first).map((r) => [r.ref.replace(/-[0-9a-f]{8}$/, ''), r.ref]));
  const next = ChannelInput.parse({
    ...everySecret,
    connection: {
      ...everySecret.connection,
      auth: { type: 'oauth', tenantId: 't', clientId: 'c', clientSecret: 'rotated', refreshToken: null },
      smtp: { host: 'smtp.example.com', auth: { type: 'password' } },
    },
  });
  const { record, obsolete, written } = await storeInputSecrets('ch', next, first, store);
  const second = ChannelRecord.parse({ ...record, ...audit });
  assert.equal(second.connection.protocol === 'imap' && second.connection.smtp?.auth?.type === 'password' && second.connection.smtp.auth.password?.ref,
    before['channel-ch-connection-smtp-auth-password']);
  assert.ok(second.connection.auth.type === 'oauth' && second.connection.auth.refreshToken === undefined);
  assert.equal(written.length, 1);
  assert.deepEqual(obsolete.sort(), [before['channel-ch-connection-auth-clientsecret'], before['channel-ch-connection-auth-refreshtoken']].sort());
});

test('switching from password to OAuth makes the old password obsolete', async () => {
  const pw = ChannelInput.parse({ ...everySecret, connection: { protocol: 'graph', username: 'u@example.com', auth: { type: 'password', password: 'p' } } });
  const first = ChannelRecord.parse({ ...(await storeInputSecrets('ch', pw, undefined, store)).record, ...audit });
  const oauth = ChannelInput.parse({ ...pw, connection: { protocol: 'graph', username: 'u@example.com', auth: { type: 'oauth', tenantId: 't', clientId: 'c' } } });
  const { obsolete } = await storeInputSecrets('ch', oauth, first, store);
  assert.deepEqual(obsolete, recordSecretRefs(first).map((r) => r.ref));
});

test('a view sent back as it came ({ isSet } objects) means "keep", other values are untouched', () => {
  const body = { connection: { auth: { type: 'password', password: { isSet: true } }, smtp: { auth: { type: 'password', password: 'new' } } } };
  assert.deepEqual(dropSecretStatusObjects(body), { connection: { auth: { type: 'password' }, smtp: { auth: { type: 'password', password: 'new' } } } });
});
