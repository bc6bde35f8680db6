import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { ChannelRecord } from '../../../../shared/config/channel';
import { runConnectionTest, type ConnectionTestDeps } from '../../../../shared/admin/connection-test/run';
import { sendPermission } from '../../../../shared/admin/connection-test/graph-test';
import type { ConnectionTestResult, StageId } from '../../../../shared/admin/connection-test/result';
import { startGraphSimulator, type GraphSimulator } from '../../../../devhost/graph-simulator';
import { simulatorChannel, testMail } from '../../../../devhost/graph-simulator/channel';

/**
 * The Graph connection test against the Graph + Entra simulator (real @azure/identity and
 * Graph client over HTTPS): the stages, and Entra's and Graph's refusals as advice.
 */
const MAILBOX = 'desk@contoso.example';
const OUTSIDE = 'ceo@contoso.example';
let sim: GraphSimulator;

before(async () => {
  sim = await startGraphSimulator({ mailboxes: [MAILBOX, OUTSIDE] });
  // MSAL reads the managed identity endpoint once per process: set before any use.
  Object.assign(process.env, sim.managedIdentity.env());
  await sim.deliver(MAILBOX, 'Inbox', testMail());
  await sim.deliver(MAILBOX, 'Inbox', testMail(), { isRead: true });
  await sim.deliver(MAILBOX, 'Processed', testMail());
  await sim.deliver(MAILBOX, 'Inbox/Support/VIP', testMail());
});

after(async () => {
  await sim?.stop();
});

function run(channel: ChannelRecord, d: { getSecret(ref: string): Promise<string | undefined>; trustedCaPem: string }, over: Partial<ConnectionTestDeps> = {}): Promise<ConnectionTestResult> {
  return runConnectionTest(channel, { getSecret: d.getSecret, trustedCaPem: d.trustedCaPem, targetPolicy: { allowPrivate: true }, ...over });
}

const stage = (r: ConnectionTestResult, id: StageId) => r.stages.find((s) => s.stage === id)!;
const statuses = (r: ConnectionTestResult) => Object.fromEntries(r.stages.map((s) => [s.stage, s.status]));

test('a Graph channel passes every stage: Graph host and token endpoint checked, a token, the mailbox, its folders with counts, Mail.Send in the token', async () => {
  const { channel, deps } = simulatorChannel(sim, { mailbox: MAILBOX });
  const tokensBefore = sim.stats().tokenRequests;
  const r = await run(channel, deps);
  assert.equal(r.ok, true, JSON.stringify(r, null, 1));
  assert.deepEqual(statuses(r), { dns: 'pass', tcp: 'pass', tls: 'pass', authentication: 'pass', mailbox: 'pass', folders: 'pass', send: 'pass' });
  assert.deepEqual(stage(r, 'dns').details.targets!.map((t) => t.role), ['graph', 'token']);
  const tls = stage(r, 'tls').details.targets as { role: string; trusted: boolean; certificate: { subject: string } }[];
  assert.deepEqual(tls.map((t) => [t.role, t.trusted, t.certificate.subject]), [['graph', true, 'CN=graph-simulator.local'], ['token', true, 'CN=graph-simulator.local']]);
  const folders = stage(r, 'folders').details;
  const inbox = folders.folders!.find((f) => f.path === 'Inbox');
  assert.deepEqual(inbox, { path: 'Inbox', messages: 2, unread: 1 });
  assert.deepEqual(folders.configured!.map((c) => [c.role, c.name, c.exists]), [['read', 'Inbox', true], ['success', 'Processed', true], ['fail', 'Failed', false]]);
  assert.deepEqual(folders.folders!.filter((f) => f.path.startsWith('Inbox/')), [{ path: 'Inbox/Support', messages: 0, unread: 0 }, { path: 'Inbox/Support/VIP', messages: 1, unread: 1 }], 'nested folders are listed by path, for the pickers');
  const send = stage(r, 'send').details;
  assert.ok(send.capabilities!.includes('Mail.Send'));
  assert.match(send.notVerified!, /only a real send/);
  assert.equal(sim.sentMail.length, 0, 'nothing was sent');
  assert.equal(sim.stats().tokenRequests - tokensBefore, 1, 'one token for the whole test');
  const text = JSON.stringify(r);
  assert.ok(!text.includes(sim.app.clientSecret));
  assert.ok(!text.includes('eyJ'), 'no token in the result');
});

test('a nested folder to read is found by its path; a missing one fails the folders stage listing the paths there are', async () => {
  const { channel, deps } = simulatorChannel(sim, { mailbox: MAILBOX });
  const nested = ChannelRecord.parse({ ...channel, folders: { ...channel.folders, read: ['Inbox/Support/VIP'] } });
  const ok = await run(nested, deps);
  assert.equal(ok.ok, true, JSON.stringify(ok, null, 1));
  const missing = await run(ChannelRecord.parse({ ...channel, folders: { ...channel.folders, read: ['Inbox/Sales'] } }), deps);
  assert.equal(missing.failedStage, 'folders');
  assert.match(stage(missing, 'folders').failure!.message, /"Inbox\/Sales" does not exist; the mailbox has .*"Inbox\/Support"/);
});

test('a mailbox with more folders than the listing budget is listed in part, with at most 50 folder requests, and says so', async () => {
  const BIG = 'many-folders@contoso.example';
  sim.addMailbox(BIG);
  for (let i = 0; i < 60; i++) await sim.deliver(BIG, `Project ${i}/Mail`, testMail());
  const { channel, deps } = simulatorChannel(sim, { mailbox: BIG });
  const seqBefore = sim.requests.length;
  const r = await run(channel, deps);
  const folderRequests = sim.requests.slice(seqBefore).filter((q) => q.mailbox?.toLowerCase() === BIG && (q.endpoint === 'mailFolders.list' || q.endpoint === 'childFolders.list'));
  const folders = stage(r, 'folders').details;
  assert.equal(folders.foldersTruncated, true);
  assert.equal(folderRequests.filter((q) => q.endpoint === 'childFolders.list').length, 50);
  assert.equal(folderRequests.filter((q) => q.endpoint === 'mailFolders.list').length, 1, 'one page of top-level folders');
  assert.equal(stage(r, 'folders').status, 'pass', 'Inbox is still found');
});

test('a wrong client secret fails at authentication as AADSTS7000215 with what to copy from the app registration', async () => {
  const { channel, deps } = simulatorChannel(sim, { mailbox: MAILBOX, clientSecret: 'not-the-secret' });
  const r = await run(channel, deps);
  assert.equal(r.failedStage, 'authentication', JSON.stringify(r, null, 1));
  const f = stage(r, 'authentication').failure!;
  assert.equal(f.code, 'AADSTS7000215');
  assert.match(f.whatToDo, /Value \(not its Secret ID\)/);
  assert.deepEqual(statuses(r), { dns: 'pass', tcp: 'pass', tls: 'pass', authentication: 'fail', mailbox: 'skipped', folders: 'skipped', send: 'skipped' });
  assert.ok(!JSON.stringify(r).includes('not-the-secret'));
});

test('an unknown tenant fails at authentication as AADSTS90002 pointing at tenantId', async () => {
  const { channel, deps } = simulatorChannel(sim, { mailbox: MAILBOX });
  const auth = channel.connection.auth as Extract<ChannelRecord['connection']['auth'], { type: 'oauth' }>;
  const other = ChannelRecord.parse({ ...channel, connection: { ...channel.connection, auth: { ...auth, tenantId: 'no-such-tenant.example', tokenEndpoint: sim.tokenEndpoint('no-such-tenant.example') } } });
  const r = await run(other, deps);
  assert.equal(r.failedStage, 'authentication');
  const f = stage(r, 'authentication').failure!;
  assert.equal(f.code, 'AADSTS90002', JSON.stringify(f));
  assert.match(f.whatToDo, /tenantId/);
});

test("a mailbox outside the app's Exchange scope fails at the mailbox stage with the access-policy advice", async () => {
  sim.setMailboxScope(sim.app.clientId, [MAILBOX]);
  try {
    const { channel, deps } = simulatorChannel(sim, { mailbox: OUTSIDE });
    const r = await run(channel, deps);
    assert.equal(r.failedStage, 'mailbox', JSON.stringify(r, null, 1));
    const f = stage(r, 'mailbox').failure!;
    assert.equal(f.code, 'GRAPH_MAILBOX_OUT_OF_SCOPE');
    assert.match(f.message, /403 ErrorAccessDenied .*ceo@contoso\.example/);
    assert.match(f.whatToDo, /application access policy/);
  } finally {
    sim.setMailboxScope(sim.app.clientId, undefined);
  }
});

test('a mailbox that does not exist fails at the mailbox stage (404) pointing at connection.username', async () => {
  const { channel, deps } = simulatorChannel(sim, { mailbox: 'nobody@contoso.example' });
  const r = await run(channel, deps);
  assert.equal(r.failedStage, 'mailbox');
  assert.equal(stage(r, 'mailbox').failure!.code, 'GRAPH_MAILBOX_NOT_FOUND');
});

test('a Graph host on a refused address fails at DNS/policy: no socket, no token request', async () => {
  const { channel, deps } = simulatorChannel(sim, { mailbox: MAILBOX });
  let sockets = 0;
  const tokensBefore = sim.stats().tokenRequests;
  const r = await run(channel, deps, {
    targetPolicy: { allowPrivate: false },
    openSocket: (o) => {
      sockets++;
      return net.connect(o);
    },
  });
  assert.equal(r.failedStage, 'dns');
  assert.equal(stage(r, 'dns').failure!.code, 'CONNECT_TARGET_REFUSED');
  assert.equal(sockets, 0);
  assert.equal(sim.stats().tokenRequests, tokensBefore);
});

test("a Graph channel on the Function App's managed identity passes: only the Graph host is probed, the token comes from the platform's endpoint, no secret is read", async () => {
  const { channel, deps } = simulatorChannel(sim, { mailbox: MAILBOX, id: 'mi' });
  const record = ChannelRecord.parse({ ...channel, connection: { ...channel.connection, auth: { type: 'managedIdentity' } } });
  let secretReads = 0;
  const before = { entra: sim.stats().tokenRequests, identity: sim.managedIdentity.requests };
  const r = await run(record, { ...deps, getSecret: async (ref) => { secretReads++; return deps.getSecret(ref); } });
  assert.equal(r.ok, true, JSON.stringify(r, null, 1));
  assert.deepEqual(stage(r, 'dns').details.targets!.map((t) => t.role), ['graph']);
  assert.match(stage(r, 'authentication').details.mechanism!, /managed identity \(system-assigned\)/);
  assert.equal(secretReads, 0);
  assert.equal(sim.stats().tokenRequests, before.entra, 'Entra was not asked');
  assert.equal(sim.managedIdentity.requests, before.identity + 1);
});

const jwt = (claims: object) => ['e30', Buffer.from(JSON.stringify(claims)).toString('base64url'), 'sig'].join('.');

test('the send stage of a Graph channel reads the token: no Mail.Send fails with the permission to add; an unreadable token is skipped, not passed', () => {
  const without = sendPermission(jwt({ roles: ['Mail.ReadWrite'] }));
  assert.equal(without.status, 'fail');
  assert.equal(without.status === 'fail' && without.failure.code, 'GRAPH_NO_MAIL_SEND');
  assert.equal(sendPermission(jwt({ roles: ['Mail.ReadWrite', 'Mail.Send'] })).status, 'pass');
  assert.equal(sendPermission(jwt({ scp: 'Mail.Send offline_access' })).status, 'pass');
  assert.equal(sendPermission('opaque-token').status, 'skipped');
});

test("the send stage of a signed-in user's token speaks of the delegated permission and of signing in again, not of admin consent", () => {
  const without = sendPermission(jwt({ scp: 'Mail.ReadWrite offline_access' }), 'delegated');
  assert.ok(without.status === 'fail');
  assert.equal(without.failure.code, 'GRAPH_NO_MAIL_SEND');
  assert.match(without.failure.whatToDo, /delegated permission Mail\.Send .*sign the channel in again/);
  const granted = sendPermission(jwt({ scp: 'Mail.ReadWrite Mail.Send' }), 'delegated');
  assert.ok(granted.status === 'pass');
  assert.match(granted.details.verified ?? '', /signed-in user consented/);
  assert.match(granted.details.notVerified ?? '', /Send As/);
});
