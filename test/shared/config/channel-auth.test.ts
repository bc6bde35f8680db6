import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ChannelInput, ChannelRecord, ChannelView } from '../../../shared/config/channel';

/** The channel's auth part: the managed identity variant in all three shapes, and where it is refused. */
const graph = {
  name: 'Desk',
  connection: { protocol: 'graph', username: 'desk@contoso.example', auth: { type: 'managedIdentity' } },
  ticketMapping: { templateId: 'it-support' },
};
const audit = { id: 'ch', status: 'draft', createdAt: '2024-01-01T00:00:00.000Z', createdBy: 't', updatedAt: '2024-01-01T00:00:00.000Z', updatedBy: 't' } as const;

function issues(body: unknown): { path: string; message: string }[] {
  const r = ChannelInput.safeParse(body);
  return r.success ? [] : r.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
}

test('a Graph channel may authenticate as the Function App\'s managed identity with no client id, secret or tenant', () => {
  const input = ChannelInput.parse(graph);
  assert.deepEqual(input.connection.auth, { type: 'managedIdentity' });
  // the same object is a valid record and a valid view: there is no secret to replace
  const record = ChannelRecord.parse({ ...input, ...audit });
  assert.deepEqual(record.connection.auth, { type: 'managedIdentity' });
  assert.deepEqual(ChannelView.parse({ ...record, etag: '"e"' }).connection.auth, { type: 'managedIdentity' });
});

test('a user-assigned identity is named by its client id (a GUID), nothing else', () => {
  const clientId = '6f1c2d3e-4a5b-4c6d-8e7f-9a0b1c2d3e4f';
  const withId = ChannelInput.parse({ ...graph, connection: { ...graph.connection, auth: { type: 'managedIdentity', managedIdentityClientId: clientId } } });
  assert.deepEqual(withId.connection.auth, { type: 'managedIdentity', managedIdentityClientId: clientId });
  assert.deepEqual(issues({ ...graph, connection: { ...graph.connection, auth: { type: 'managedIdentity', managedIdentityClientId: 'my-identity' } } }).map((i) => i.path), ['connection.auth.managedIdentityClientId']);
  // fields of the other auth types are not carried along
  const stripped = ChannelInput.parse({ ...graph, connection: { ...graph.connection, auth: { type: 'managedIdentity', clientSecret: 'x', tenantId: 't' } } });
  assert.deepEqual(stripped.connection.auth, { type: 'managedIdentity' });
});

test('IMAP and SMTP refuse a managed identity with the field path and the reason', () => {
  const imap = { ...graph, connection: { protocol: 'imap', host: 'outlook.office365.com', username: 'desk@contoso.example', auth: { type: 'managedIdentity' } } };
  const found = issues(imap);
  assert.deepEqual(found.map((i) => i.path), ['connection.auth.type']);
  assert.match(found[0]?.message ?? '', /works for protocol "graph" only: Exchange Online IMAP\/SMTP need an XOAUTH2 token/);

  const smtp = { ...imap, connection: { ...imap.connection, auth: { type: 'password', password: 'pw' }, smtp: { host: 'smtp.office365.com', auth: { type: 'managedIdentity' } } } };
  assert.deepEqual(issues(smtp).map((i) => i.path), ['connection.smtp.auth.type']);
});

test('a stored IMAP record with a managed identity still loads (refused where it is used, not where it is read)', () => {
  const record = ChannelRecord.parse({
    ...graph,
    ...audit,
    connection: { protocol: 'imap', host: 'outlook.office365.com', username: 'desk@contoso.example', auth: { type: 'managedIdentity' } },
  });
  assert.equal(record.connection.auth.type, 'managedIdentity');
});
