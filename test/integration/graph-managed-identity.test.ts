import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestStack, type TestStack } from '../support/stack';
import { startGraphSimulator, type GraphSimulator } from '../../devhost/graph-simulator';
import { simulatorChannelInput } from '../../devhost/graph-simulator/channel';
import { api, ledger, publishChannel, rfc822, tickets } from '../support/mail-e2e';

/**
 * Microsoft 365 with no secret: a Graph channel with auth.type "managedIdentity" on the local
 * Functions host (child process), whose IDENTITY_ENDPOINT / IDENTITY_HEADER point at the Entra
 * simulator's App Service managed identity endpoint (plain http on loopback, as inside Azure's
 * sandbox). The real @azure/identity ManagedIdentityCredential gets the token; the simulator's
 * Graph API accepts it and, with a mailbox scope set for the identity, answers as Exchange
 * Online RBAC for Applications does for a mailbox outside it.
 */
let stack: TestStack;
let sim: GraphSimulator;
const USER_ASSIGNED = '6f1c2d3e-4a5b-4c6d-8e7f-9a0b1c2d3e4f';
const DESK = 'desk-mi@contoso.example';
const OUTSIDE = 'ceo@contoso.example';
const USER_ASSIGNED_DESK = 'desk-uami@contoso.example';

before(async () => {
  sim = await startGraphSimulator({ mailboxes: [DESK, OUTSIDE, USER_ASSIGNED_DESK], managedIdentity: { userAssignedClientIds: [USER_ASSIGNED] } });
  // RBAC for Applications: the system-assigned identity may open the help-desk mailboxes only.
  sim.setMailboxScope(sim.managedIdentity.systemAssignedClientId, [DESK]);
  stack = await startTestStack({ graphSimulator: sim });
});

after(async () => {
  await stack?.stop();
  await sim?.stop();
});

const managedIdentityChannel = (mailbox: string, auth: Record<string, unknown> = { type: 'managedIdentity' }) => simulatorChannelInput(sim, mailbox, { connection: { auth } });

async function sync(channelId: string): Promise<void> {
  const res = await api(stack, 'POST', `channels/${channelId}/sync`);
  assert.equal(res.status, 202, JSON.stringify(res.body));
  await stack.settle(60_000);
}

const subjectsIn = (mailbox: string, folder: string) => sim.folderMessages(mailbox, folder).map((m) => m.subject ?? '').sort();

test('a new mail in a Microsoft 365 mailbox becomes a ticket on a channel that authenticates with the Function App\'s managed identity, with no secret anywhere', async () => {
  const channelId = await publishChannel(stack, managedIdentityChannel(DESK));
  const view = await api<{ connection: { auth: unknown } }>(stack, 'GET', `channels/${channelId}`);
  assert.deepEqual(view.body.connection.auth, { type: 'managedIdentity' }, 'the channel holds no secret, not even an { isSet } slot');
  await stack.settle(30_000);

  await sim.deliver(DESK, 'Inbox', rfc822({ subject: 'VPN drops every hour', messageId: '<vpn-1@client.example.org>' }));
  await sync(channelId);

  assert.deepEqual((await tickets(stack, channelId)).map((t) => t.title), ['VPN drops every hour']);
  assert.deepEqual(subjectsIn(DESK, 'Inbox'), []);
  assert.deepEqual(subjectsIn(DESK, 'Processed'), ['VPN drops every hour']);
  assert.equal((await ledger(stack, channelId))[0]?.outcome, 'created');
  // Every Graph call carried the identity's token; Entra's client-credentials endpoint was never asked.
  const calls = sim.requests.filter((r) => r.mailbox === DESK);
  assert.ok(calls.length > 0);
  assert.deepEqual([...new Set(calls.map((r) => r.appId))], [sim.managedIdentity.systemAssignedClientId]);
  assert.equal(sim.stats().tokenRequests, 0);
  assert.ok(sim.managedIdentity.requests >= 1, 'the token came from IDENTITY_ENDPOINT');
});

test('a mailbox outside the app\'s Exchange Online management scope stops the sync with GRAPH_MAILBOX_OUT_OF_SCOPE naming the mailbox in /stats, not a generic 403', async () => {
  const channelId = await publishChannel(stack, managedIdentityChannel(OUTSIDE));
  await sim.deliver(OUTSIDE, 'Inbox', rfc822({ subject: 'Board pack', messageId: '<board-1@client.example.org>' }));
  await stack.settle(60_000);
  await sync(channelId).catch(() => undefined);

  const stats = await api<{ sync: { lastError?: { code: string; message: string } } }>(stack, 'GET', `channels/${channelId}/stats`);
  assert.equal(stats.status, 200);
  const lastError = stats.body.sync.lastError;
  assert.equal(lastError?.code, 'GRAPH_MAILBOX_OUT_OF_SCOPE', JSON.stringify(stats.body));
  assert.match(lastError?.message ?? '', new RegExp(`management scope does not include ${OUTSIDE.replace('.', '\\.')}`));
  assert.match(lastError?.message ?? '', /add the mailbox to the scoped group/);
  assert.deepEqual(await tickets(stack, channelId), []);
  assert.deepEqual(subjectsIn(OUTSIDE, 'Inbox'), ['Board pack'], 'the mail is left where it is');
  // Graph said 403 "Access to OData is disabled." once per sync attempt: no fresh token was fetched to try again
  const refused = sim.requests.filter((r) => r.mailbox === OUTSIDE);
  const failedSyncs = (await stack.invocations('syncMailbox')).filter((r) => r.status === 'failed');
  assert.ok(refused.length > 0 && refused.every((r) => r.status === 403 && r.endpoint === 'mailFolders.list'));
  assert.equal(refused.length, failedSyncs.length);
});

test('a user-assigned identity named by managedIdentityClientId is the one whose token reaches Graph', async () => {
  const channelId = await publishChannel(stack, managedIdentityChannel(USER_ASSIGNED_DESK, { type: 'managedIdentity', managedIdentityClientId: USER_ASSIGNED }));
  await stack.settle(30_000);
  await sim.deliver(USER_ASSIGNED_DESK, 'Inbox', rfc822({ subject: 'Printer on floor 3', messageId: '<printer-1@client.example.org>' }));
  await sync(channelId);

  assert.deepEqual((await tickets(stack, channelId)).map((t) => t.title), ['Printer on floor 3']);
  assert.deepEqual([...new Set(sim.requests.filter((r) => r.mailbox === USER_ASSIGNED_DESK).map((r) => r.appId))], [USER_ASSIGNED]);
});

test('an IMAP channel with auth.type "managedIdentity" is a 400 naming connection.auth.type and saying why', async () => {
  const res = await api<{ issues?: { path: string; message: string }[] }>(stack, 'POST', 'channels', {
    name: 'IMAP with a managed identity',
    connection: { protocol: 'imap', host: 'outlook.office365.com', username: DESK, auth: { type: 'managedIdentity' } },
    ticketMapping: { templateId: 'it-support' },
  });
  assert.equal(res.status, 400, JSON.stringify(res.body));
  const issue = res.body.issues?.find((i) => i.path === 'connection.auth.type');
  assert.ok(issue, JSON.stringify(res.body));
  assert.match(issue.message, /IMAP\/SMTP need an XOAUTH2 token/);
});
