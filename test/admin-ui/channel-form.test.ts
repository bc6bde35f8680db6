import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ChannelInput, ChannelView } from '../../shared/config/channel';
import { FIELDS, TABS, changed, fieldOfIssue, formFromView, inputFromForm, issueText, mergePatchFromForm, NEW_CHANNEL_DEFAULTS, secretsSet, tabOfIssue } from '../../admin-ui/src/channel-form';
import { applyMergePatch } from '../../shared/admin/merge-patch';

const view = ChannelView.parse({
  id: 'c1',
  status: 'published',
  name: 'Desk',
  connection: { protocol: 'imap', host: 'mail.example.com', port: 993, tls: 'implicit', username: 'desk@example.com', auth: { type: 'password', password: { isSet: true } } },
  folders: { read: ['INBOX', 'Support'], success: 'Processed', fail: 'Failed' },
  domains: { allowed: ['example.org'] },
  ticketMapping: { templateId: 'it-support', fields: [{ field: 'contact', source: { kind: 'mail', property: 'from' } }] },
  createdAt: '2025-01-01T00:00:00.000Z', createdBy: 'a', updatedAt: '2025-01-01T00:00:00.000Z', updatedBy: 'a', publishedAt: '2025-01-02T00:00:00.000Z',
  etag: '"e1"',
});

test('every field of the form sits on one of the seed’s four tabs, each tab has fields, and paths are unique', () => {
  assert.deepEqual(TABS.map((t) => t.label), ['Connection', 'Folder Mapping', 'Domain Settings', 'Ticket Mapping']);
  for (const t of TABS) assert.ok(FIELDS.some((f) => f.tab === t.id), t.id);
  assert.equal(new Set(FIELDS.map((f) => f.path)).size, FIELDS.length);
});

test('a stored channel round-trips through the form into a body the API schema accepts, secrets left out (kept)', () => {
  const values = formFromView(view);
  assert.equal(values['folders.read'], 'INBOX\nSupport');
  assert.equal(values['connection.auth.password'], '', 'a secret is never a form value');
  const { body, issues } = inputFromForm(values);
  assert.deepEqual(issues, []);
  const parsed = ChannelInput.parse(body);
  assert.equal(parsed.connection.host, 'mail.example.com');
  assert.deepEqual(parsed.folders.read, ['INBOX', 'Support']);
  assert.deepEqual(parsed.ticketMapping.fields, view.ticketMapping.fields);
  assert.equal((body.connection as { auth: Record<string, unknown> }).auth.password, undefined);
  assert.deepEqual(secretsSet(view), { 'connection.auth.password': true, 'connection.auth.clientSecret': false });
});

test('a field the stored channel lacks shows the new-channel default, and stays out of the body while its section is unused', () => {
  const values = formFromView(view);
  assert.equal(values['connection.smtp.port'], '587');
  assert.equal(values['connection.smtp.tls'], 'starttls');
  assert.equal((inputFromForm(values).body.connection as Record<string, unknown>).smtp, undefined, 'no SMTP host, no SMTP section');
});

test('a typed secret is sent as typed; numbers become numbers, and a non-number goes as text for the API to name', () => {
  const { body } = inputFromForm({ ...formFromView(view), 'connection.auth.password': '  pass with spaces ', 'connection.port': '143', 'connection.pollIntervalSeconds': 'soon' });
  const conn = body.connection as { port: unknown; pollIntervalSeconds: unknown; auth: { password: unknown } };
  assert.equal(conn.auth.password, '  pass with spaces ');
  assert.equal(conn.port, 143);
  assert.equal(conn.pollIntervalSeconds, 'soon');
  const r = ChannelInput.safeParse(body);
  assert.equal(r.success, false);
  assert.deepEqual(r.error?.issues.map((i) => i.path.join('.')), ['connection.pollIntervalSeconds']);
});

test('fields hidden by the current choices are not sent (OAuth fields with password auth, SMTP without a host)', () => {
  const { body } = inputFromForm({ ...NEW_CHANNEL_DEFAULTS, 'connection.auth.clientId': 'stale', 'connection.auth.type': 'password' });
  const conn = body.connection as Record<string, unknown> & { auth: Record<string, unknown> };
  assert.equal(conn.auth.clientId, undefined);
  assert.equal(conn.smtp, undefined);
});

test('field-mapping JSON that does not parse is a field issue before any request', () => {
  const { issues } = inputFromForm({ ...NEW_CHANNEL_DEFAULTS, 'ticketMapping.fields': '[{"field": ' });
  assert.equal(issues.length, 1);
  assert.equal(issues[0]?.path, 'ticketMapping.fields');
});

test('an API issue lands on the field (and tab) it names, nested paths on their field', () => {
  assert.equal(fieldOfIssue('domains.allowed.1')?.path, 'domains.allowed');
  assert.equal(tabOfIssue('domains.allowed.1'), 'domains');
  assert.equal(fieldOfIssue('ticketMapping.fields.0.source.pattern')?.path, 'ticketMapping.fields');
  assert.equal(tabOfIssue('ticketMapping'), 'ticket');
  assert.equal(fieldOfIssue('connection.auth.password')?.path, 'connection.auth.password');
  assert.equal(fieldOfIssue('connection.smtp.host')?.path, 'connection.smtp.host', 'the longest matching path wins');
  assert.equal(tabOfIssue(''), 'connection');
  assert.equal(issueText({ path: 'connection.host', message: 'Invalid input: expected string, received undefined' }), 'Required.');
  assert.equal(issueText({ path: 'domains.allowed.1', message: 'must be a domain' }), 'line 2: must be a domain', 'one-per-line fields name the line');
  assert.equal(issueText({ path: 'ticketMapping.fields.0.source.pattern', message: 'bad' }), 'bad');
});

test('unsaved changes: any value that differs counts, nothing else', () => {
  const a = formFromView(view);
  assert.equal(changed(a, { ...a }), false);
  assert.equal(changed(a, { ...a, name: 'Other' }), true);
  assert.equal(changed(a, { ...a, 'domains.excludeAutoReplies': !a['domains.excludeAutoReplies'] }), true);
});

test('the form as a merge patch: an untouched form nulls nothing; cleared values, a cleared SMTP host and another auth type\'s fields are removed; secrets are never nulled', () => {
  const rich = ChannelView.parse({
    ...view,
    description: 'Front desk',
    connection: { ...view.connection, smtp: { host: 'smtp.example.com', port: 587, tls: 'starttls' } },
    folders: { ...view.folders, exclusion: 'Private' },
  });
  const untouched = mergePatchFromForm(inputFromForm(formFromView(rich)).body, rich);
  assert.doesNotMatch(JSON.stringify(untouched), /null/);

  const values = { ...formFromView(rich), description: '', 'connection.smtp.host': '', 'folders.exclusion': ' ' };
  const patch = mergePatchFromForm(inputFromForm(values).body, rich) as { description: unknown; connection: { smtp: unknown; auth: Record<string, unknown> }; folders: { exclusion: unknown } };
  assert.equal(patch.description, null);
  assert.equal(patch.connection.smtp, null, 'the whole section, not its host alone');
  assert.equal(patch.folders.exclusion, null);
  assert.equal('password' in patch.connection.auth, false, 'a secret absent from the form is kept, not nulled');
  const { id: _i, status: _s, etag: _e, createdAt: _c, createdBy: _cb, updatedAt: _u, updatedBy: _ub, publishedAt: _p, ...editable } = rich;
  const result = ChannelInput.parse(applyMergePatch({ ...editable, connection: { ...editable.connection, auth: { type: 'password', password: 'kept' } } }, patch));
  assert.equal(result.description, undefined);
  assert.equal('smtp' in result.connection, false);
  assert.equal(result.folders.exclusion, undefined);

  // Another auth type: the OAuth fields the channel had are removed.
  const oauth = ChannelView.parse({ ...view, connection: { ...view.connection, auth: { type: 'oauth', flow: 'clientCredentials', tenantId: 't1', clientId: 'c1', clientSecret: { isSet: true } } } });
  const switched = mergePatchFromForm(inputFromForm({ ...formFromView(oauth), 'connection.auth.type': 'password', 'connection.auth.password': 'pw' }).body, oauth) as { connection: { auth: Record<string, unknown> } };
  assert.equal(switched.connection.auth.tenantId, null);
  assert.equal(switched.connection.auth.clientId, null);
  assert.equal('clientSecret' in switched.connection.auth, false);
});
