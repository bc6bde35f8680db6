import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { CosmosClient } from '@azure/cosmos';
import { startTestStack, type TestStack } from '../support/stack';
import { adminRoutes } from '../../shared/admin/routes';
import { resetSettingsCache } from '../../shared/config/settings';
import { resetCosmosClient } from '../../shared/store/cosmos';
import { createTicket, addNote } from '../../shared/tickets';

/**
 * The admin API through the real local Functions host (child process) on Azurite and the
 * Cosmos emulator: what an admin with curl sees. One stack for the whole file.
 */
let stack: TestStack;
let cosmos: CosmosClient;

const SECRETS = ['imap-password-9f8e7d', 'oauth-client-secret-1a2b3c', 'smtp-password-4d5e6f', 'refresh-token-7a8b9c'];

before(async () => {
  stack = await startTestStack({ env: { WEBSITE_AUTH_ENABLED: 'True' } });
  cosmos = new CosmosClient({ endpoint: stack.env.COSMOS_ENDPOINT ?? '', key: stack.env.COSMOS_KEY, connectionPolicy: { enableEndpointDiscovery: false } });
  // This process writes tickets as the mail pipeline would, into the same emulator.
  Object.assign(process.env, { COSMOS_ENDPOINT: stack.env.COSMOS_ENDPOINT, COSMOS_KEY: stack.env.COSMOS_KEY, COSMOS_DATABASE: stack.env.COSMOS_DATABASE });
  resetSettingsCache();
  resetCosmosClient();
});

after(async () => {
  resetCosmosClient();
  cosmos?.dispose();
  await stack?.stop();
});

interface Call {
  method?: string;
  body?: unknown;
  raw?: string;
  headers?: Record<string, string>;
  auth?: 'key' | 'bearer' | 'none' | { principalRoles: string[] };
}

interface Answer {
  status: number;
  headers: Headers;
  text: string;
  json: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- responses are asserted field by field
}

function principal(roles: string[]): string {
  const claims = [{ typ: 'preferred_username', val: 'grace@example.com' }, ...roles.map((r) => ({ typ: 'roles', val: r }))];
  return Buffer.from(JSON.stringify({ auth_typ: 'aad', claims, name_typ: 'preferred_username', role_typ: 'roles' })).toString('base64');
}

async function api(path: string, call: Call = {}): Promise<Answer> {
  const auth = call.auth ?? 'key';
  const headers: Record<string, string> = { ...call.headers };
  if (auth === 'key') headers['x-functions-key'] = stack.adminKey;
  if (auth === 'bearer') headers.authorization = `Bearer ${stack.adminKey}`;
  if (typeof auth === 'object') headers['x-ms-client-principal'] = principal(auth.principalRoles);
  let body: string | undefined = call.raw;
  if (call.body !== undefined) body = JSON.stringify(call.body);
  if (body !== undefined && !Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) headers['content-type'] = 'application/json';
  const res = await fetch(`${stack.baseUrl}/api/${path}`, { method: call.method ?? 'GET', headers, body });
  const text = await res.text();
  let json: unknown;
  try { json = text ? JSON.parse(text) : undefined; } catch { json = undefined; }
  return { status: res.status, headers: res.headers, text, json };
}

function imapChannel(extra: Record<string, unknown> = {}) {
  return {
    name: 'IT support mailbox',
    connection: {
      protocol: 'imap', host: 'imap.example.com', port: 993, username: 'support@example.com',
      auth: { type: 'password', password: SECRETS[0] },
      smtp: { host: 'smtp.example.com', port: 587, auth: { type: 'password', password: SECRETS[2] } },
    },
    domains: { allowed: ['example.com', '*.example.org'] },
    ticketMapping: { templateId: 'it-support', whitelist: ['it-support'], fields: [{ field: 'category', source: { kind: 'header', name: 'X-Category' }, default: 'Other' }] },
    ...extra,
  };
}

function graphChannel() {
  return {
    name: 'Facilities (Microsoft 365)',
    connection: {
      protocol: 'graph', username: 'facilities@contoso.com',
      auth: { type: 'oauth', tenantId: 'contoso.onmicrosoft.com', clientId: '00000000-0000-0000-0000-000000000001', clientSecret: SECRETS[1], refreshToken: SECRETS[3] },
    },
    ticketMapping: { templateId: 'hardware-order', fields: [{ field: 'item', source: { kind: 'mail', property: 'subject' } }, { field: 'quantity', source: { kind: 'regex', on: 'body', pattern: 'qty:\\s*(\\d+)' }, default: '1' }] },
  };
}

function assertNoSecret(text: string, where: string): void {
  for (const s of SECRETS) assert.ok(!text.includes(s), `${where} contains a secret (${s.slice(0, 6)}…)`);
}

test('an admin creates, reads, changes, publishes and pauses a channel with plain HTTP', async () => {
  const created = await api('channels', { method: 'POST', body: imapChannel() });
  assert.equal(created.status, 201, created.text);
  const id: string = created.json.id;
  assert.equal(created.json.status, 'draft');
  assert.equal(created.json.createdBy, 'admin-api-key');
  assert.equal(created.headers.get('location'), `/api/channels/${id}`);
  assert.ok(created.headers.get('etag'));
  assert.equal(created.headers.get('etag'), created.json.etag);

  const read = await api(`channels/${id}`, { auth: 'bearer' });
  assert.equal(read.status, 200);
  assert.equal(read.json.connection.host, 'imap.example.com');
  assert.equal(read.json.folders.success, 'Processed', 'defaults are filled in');
  assert.equal(read.headers.get('etag'), created.headers.get('etag'));

  const put = await api(`channels/${id}`, { method: 'PUT', body: { ...read.json, name: 'IT support (EU)' }, headers: { 'if-match': read.headers.get('etag') ?? '' } });
  assert.equal(put.status, 200, put.text);
  assert.equal(put.json.name, 'IT support (EU)');
  assert.deepEqual(put.json.connection.auth, { type: 'password', password: { isSet: true } }, 'a GET view sent back keeps its secrets');
  assert.notEqual(put.headers.get('etag'), read.headers.get('etag'));

  const patched = await api(`channels/${id}`, {
    method: 'PATCH', body: { folders: { fail: 'Rejected' }, connection: { pollIntervalSeconds: 300 } },
    headers: { 'content-type': 'application/merge-patch+json', 'if-match': put.headers.get('etag') ?? '' },
    auth: { principalRoles: ['MailChannel.Admin'] },
  });
  assert.equal(patched.status, 200, patched.text);
  assert.equal(patched.json.folders.fail, 'Rejected');
  assert.equal(patched.json.folders.success, 'Processed');
  assert.equal(patched.json.connection.pollIntervalSeconds, 300);
  assert.equal(patched.json.updatedBy, 'grace@example.com');

  const published = await api(`channels/${id}/publish`, { method: 'POST', headers: { 'if-match': patched.headers.get('etag') ?? '' } });
  assert.equal(published.status, 200, published.text);
  assert.equal(published.json.status, 'published');
  assert.ok(published.json.publishedAt);

  const paused = await api(`channels/${id}/pause`, { method: 'POST' });
  assert.equal(paused.status, 200);
  assert.equal(paused.json.status, 'paused');
  assert.equal(paused.json.publishedAt, published.json.publishedAt);

  const listed = await api('channels');
  assert.ok(listed.json.items.some((c: { id: string; status: string }) => c.id === id && c.status === 'paused'));

  const deleted = await api(`channels/${id}`, { method: 'DELETE' });
  assert.equal(deleted.status, 204);
  assert.equal((await api(`channels/${id}`)).status, 404);
  assert.equal((await api('channels/no-such-channel')).json.error, 'not_found');
});

test('invalid input gets 400 naming every wrong field by its path', async () => {
  const bad = imapChannel({ name: '' });
  const conn = bad.connection as Record<string, unknown>;
  conn.port = 99999;
  conn.replyTo = 'not-an-address';
  (bad.domains as { allowed: string[] }).allowed = ['example.com', 'bad domain'];
  const r = await api('channels', { method: 'POST', body: bad });
  assert.equal(r.status, 400);
  assert.equal(r.json.error, 'validation');
  assert.deepEqual(r.json.issues.map((i: { path: string }) => i.path).sort(), ['connection.port', 'connection.replyTo', 'domains.allowed.1', 'name']);
  for (const i of r.json.issues) assert.ok(typeof i.message === 'string' && i.message.length > 0);

  const tpl = await api('channels', { method: 'POST', body: imapChannel({ ticketMapping: { templateId: 'does-not-exist', whitelist: ['it-support', 'nope'] } }) });
  assert.equal(tpl.status, 400);
  assert.deepEqual(tpl.json.issues.map((i: { path: string }) => i.path), ['ticketMapping.templateId', 'ticketMapping.whitelist.1']);
});

test('malformed JSON gets 400, a non-JSON body 415, both as { error, message }', async () => {
  const malformed = await api('channels', { method: 'POST', raw: `{"name": "x", "connection": {"auth": {"password": "${SECRETS[0]}"}` });
  assert.equal(malformed.status, 400);
  assert.equal(malformed.json.error, 'malformed_json');
  assert.equal(typeof malformed.json.message, 'string');
  assertNoSecret(malformed.text, 'malformed JSON answer');
  const form = await api('channels', { method: 'POST', raw: 'name=x', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
  assert.equal(form.status, 415);
  assert.equal(form.json.error, 'unsupported_media_type');
});

test('secrets are never returned, never echoed in errors, never in Cosmos or the secret file in clear, never logged', async () => {
  const imap = await api('channels', { method: 'POST', body: imapChannel() });
  const graph = await api('channels', { method: 'POST', body: graphChannel() });
  assert.equal(imap.status, 201, imap.text);
  assert.equal(graph.status, 201, graph.text);
  assert.deepEqual(graph.json.connection.auth.clientSecret, { isSet: true });
  assert.deepEqual(graph.json.connection.auth.refreshToken, { isSet: true });
  assert.deepEqual(imap.json.connection.smtp.auth, { type: 'password', password: { isSet: true } });

  const answers: [string, Answer][] = [
    ['create', imap], ['create', graph],
    ['GET', await api(`channels/${imap.json.id}`)],
    ['list', await api('channels')],
    ['PUT', await api(`channels/${graph.json.id}`, { method: 'PUT', body: { ...graphChannel(), name: 'Facilities' } })],
    ['PATCH', await api(`channels/${imap.json.id}`, { method: 'PATCH', body: { connection: { auth: { password: SECRETS[0] } } } })],
    // a secret in a field that fails validation, and one in the wrong place
    ['400 too long', await api('channels', { method: 'POST', body: imapChannel({ connection: { ...imapChannel().connection, port: 'x', auth: { type: 'password', password: `${SECRETS[0]}${'!'.repeat(9000)}` } } }) })],
    ['400 wrong type', await api('channels', { method: 'POST', body: imapChannel({ name: SECRETS[1], connection: { ...imapChannel().connection, auth: { type: 'oauth', password: SECRETS[0] } } }) })],
    ['400 patch', await api(`channels/${imap.json.id}`, { method: 'PATCH', body: { connection: { port: SECRETS[2], auth: { password: SECRETS[2] } } } })],
  ];
  for (const [where, a] of answers) {
    assert.ok(a.status < 500, `${where}: ${a.status} ${a.text}`);
    assertNoSecret(a.text, where);
  }
  assert.equal(answers[6]?.[1].status, 400);

  const { resources } = await cosmos.database(stack.env.COSMOS_DATABASE ?? 'mailchannel').container('channels').items.query('SELECT * FROM c').fetchAll();
  assert.ok(resources.length >= 2);
  assertNoSecret(JSON.stringify(resources), 'Cosmos channel documents');
  const graphDoc = resources.find((d) => d.id === graph.json.id) as { connection: { auth: { clientSecret: { ref: string } } } };
  assert.match(graphDoc.connection.auth.clientSecret.ref, /^channel-[0-9a-f-]+-connection-auth-clientsecret-[0-9a-f]{8}$/);
  assertNoSecret(fs.readFileSync(stack.env.LOCAL_SECRETS_FILE ?? '', 'utf8'), 'the local secret file');
  assertNoSecret(stack.logs(), 'host logs');
});

test('a stale ETag in If-Match gets 412 on PUT, PATCH, DELETE, publish and pause; the current one works', async () => {
  const created = await api('channels', { method: 'POST', body: imapChannel() });
  const id = created.json.id as string;
  const stale = created.headers.get('etag') ?? '';
  const fresh = await api(`channels/${id}`, { method: 'PATCH', body: { name: 'changed by someone else' } });
  assert.equal(fresh.status, 200);
  const attempts: [string, Call][] = [
    ['PUT', { method: 'PUT', body: imapChannel({ name: 'mine' }) }],
    ['PATCH', { method: 'PATCH', body: { name: 'mine' } }],
    ['DELETE', { method: 'DELETE' }],
  ];
  for (const [what, call] of attempts) {
    const r = await api(`channels/${id}`, { ...call, headers: { 'if-match': stale } });
    assert.equal(r.status, 412, `${what}: ${r.text}`);
    assert.equal(r.json.error, 'precondition_failed');
  }
  for (const action of ['publish', 'pause']) {
    const r = await api(`channels/${id}/${action}`, { method: 'POST', headers: { 'if-match': stale } });
    assert.equal(r.status, 412, action);
  }
  const current = await api(`channels/${id}`);
  assert.equal(current.json.name, 'changed by someone else');
  const ok = await api(`channels/${id}`, { method: 'PATCH', body: { name: 'mine' }, headers: { 'if-match': current.headers.get('etag') ?? '' } });
  assert.equal(ok.status, 200);
});

test('after the first publish the template cannot change (409 saying why); pausing a draft is 409 too', async () => {
  const created = await api('channels', { method: 'POST', body: imapChannel() });
  const id = created.json.id as string;
  const draftPause = await api(`channels/${id}/pause`, { method: 'POST' });
  assert.equal(draftPause.status, 409);
  const beforePublish = await api(`channels/${id}`, { method: 'PATCH', body: { ticketMapping: { templateId: 'incident', fields: [{ field: 'severity', source: { kind: 'header', name: 'X-Severity' }, default: 'Sev3' }] } } });
  assert.equal(beforePublish.status, 200, 'a draft may still change template');
  assert.equal((await api(`channels/${id}/publish`, { method: 'POST' })).status, 200);
  const patch = await api(`channels/${id}`, { method: 'PATCH', body: { ticketMapping: { templateId: 'it-support' } } });
  assert.equal(patch.status, 409);
  assert.equal(patch.json.error, 'conflict');
  assert.match(patch.json.message, /templateId cannot change after the channel was first published/);
  const put = await api(`channels/${id}`, { method: 'PUT', body: imapChannel() });
  assert.equal(put.status, 409);
  assert.equal((await api(`channels/${id}`)).json.ticketMapping.templateId, 'incident');
});

test('publishing makes one silent offer: hidden from the catalogue, listed with includeSilent=true', async () => {
  const created = await api('channels', { method: 'POST', body: graphChannel() });
  const id = created.json.id as string;
  await api(`channels/${id}/publish`, { method: 'POST' });
  await api(`channels/${id}/publish`, { method: 'POST' });
  const catalogue = await api('offers');
  assert.equal(catalogue.status, 200);
  assert.ok(catalogue.json.items.length > 0, 'the catalogue has normal offers');
  assert.ok(catalogue.json.items.every((o: { silent: boolean }) => !o.silent));
  const all = await api('offers?includeSilent=true');
  const mine = all.json.items.filter((o: { channelId?: string }) => o.channelId === id);
  assert.equal(mine.length, 1);
  assert.equal(mine[0].silent, true);
  assert.equal(mine[0].templateId, 'hardware-order');
  assert.equal((await api('offers?includeSilent=maybe')).status, 400);
});

test('templates and tickets (with notes and attachment info) are readable by admins', async () => {
  const templates = await api('templates');
  assert.ok(templates.json.items.length >= 4);
  const one = await api('templates/incident');
  assert.equal(one.status, 200);
  assert.ok(one.json.fields.some((f: { name: string }) => f.name === 'severity'));
  assert.equal((await api('templates/nope')).status, 404);

  await createTicket({
    id: 'it-ticket-1', templateId: 'it-support', channelId: 'ch-it', title: 'VPN drops every hour', description: { text: 'It drops.' },
    requester: { email: 'ada@example.com' }, fields: { category: 'Network' },
    attachments: [{ filename: 'log.txt', contentType: 'text/plain', size: 120, blobName: 'it-ticket-1/log.txt' }, { filename: 'x.exe', contentType: 'application/octet-stream', size: 5, blocked: 'executables are not accepted' }],
    source: { channelId: 'ch-it', ledgerKey: 'ch-it:<a@example.com>', messageId: '<a@example.com>' },
  });
  await addNote('it-ticket-1', { id: 'it-ticket-1-n1', author: { email: 'ada@example.com' }, text: 'Still dropping' });
  const list = await api('tickets?channelId=ch-it');
  assert.equal(list.status, 200);
  assert.equal(list.json.items.length, 1);
  assert.equal(list.json.items[0].notes[0].text, 'Still dropping');
  assert.equal(list.json.items[0].attachments[1].blocked, 'executables are not accepted');
  assert.equal((await api('tickets?channelId=other')).json.items.length, 0);
  assert.equal((await api('tickets/it-ticket-1')).json.notes.length, 1);
  assert.equal((await api('tickets/nope')).status, 404);
});

test('every admin route the host serves answers 401 without identity and 403 to a principal without the role', async () => {
  const res = await fetch(`${stack.baseUrl}/admin/functions`, { headers: { 'x-functions-key': stack.masterKey } });
  const functions = (await res.json()) as { name: string; bindings: unknown }[];
  const http = functions
    .map((f) => ({ name: f.name, trigger: Object.values(f.bindings as Record<string, { type: string; route?: string; methods?: string[] }>).find((b) => /^httpTrigger$/i.test(b.type)) }))
    .filter((f): f is { name: string; trigger: { type: string; route?: string; methods?: string[] } } => f.trigger !== undefined && /^admin/i.test(f.name));
  const publicNames = new Set<string>(Object.values(adminRoutes).filter((r) => !r.admin).map((r) => r.name));
  // Every route of the table is served; admin functions added elsewhere are checked too.
  const served = new Set(http.map((f) => f.name));
  for (const r of Object.values(adminRoutes)) assert.ok(served.has(r.name), `${r.name} is not registered`);
  const guarded = http.filter((f) => !publicNames.has(f.name));
  assert.ok(guarded.length >= 13);
  for (const f of guarded) {
    const path = (f.trigger.route ?? f.name).replace(/\{(\w+)\}/g, 'some-$1');
    for (const method of f.trigger.methods ?? ['GET']) {
      const body = ['POST', 'PUT', 'PATCH'].includes(method.toUpperCase()) ? imapChannel() : undefined;
      const anonymous = await api(path, { method, body, auth: 'none' });
      assert.equal(anonymous.status, 401, `${method} ${path} without identity: ${anonymous.text}`);
      assert.equal(anonymous.json.error, 'unauthorized');
      const wrongKey = await api(path, { method, body, auth: 'none', headers: { 'x-functions-key': 'wrong-key-0000000000' } });
      assert.equal(wrongKey.status, 401, `${method} ${path} with a wrong key`);
      const reader = await api(path, { method, body, auth: { principalRoles: ['MailChannel.Reader'] } });
      assert.equal(reader.status, 403, `${method} ${path} without the role: ${reader.text}`);
      assert.equal(reader.json.error, 'forbidden');
    }
  }
});

test('the OpenAPI document is public and lists every route', async () => {
  const r = await api('openapi.json', { auth: 'none' });
  assert.equal(r.status, 200);
  assert.equal(r.json.openapi, '3.1.0');
  for (const route of Object.values(adminRoutes)) assert.ok(r.json.paths[`/api/${route.route}`]?.[route.method.toLowerCase()], route.name);
});
