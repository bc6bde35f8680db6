import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { ChannelRecord } from '../../../shared/config/channel';
import { MailChannelError } from '../../../shared/errors';
import { createGraphMailSource } from '../../../shared/sources/graph';
import { assertManagedIdentityHost } from '../../../shared/sources/graph-connection';
import { startGraphSimulator, type GraphSimulator } from '../../../devhost/graph-simulator';
import { simulatorChannel } from '../../../devhost/graph-simulator/channel';

/**
 * Which credential a Graph channel uses, and what its errors say, against the Graph + Entra
 * simulator through the real @azure/identity. This process's IDENTITY_ENDPOINT/IDENTITY_HEADER
 * are the simulator's (MSAL reads them once per process, so they are set before any use).
 */
let sim: GraphSimulator;
const MI_DESK = 'mi-desk@contoso.example';
const APP_DESK = 'app-desk@contoso.example';
const OUTSIDE = 'outside@contoso.example';

before(async () => {
  sim = await startGraphSimulator({ mailboxes: [MI_DESK, APP_DESK, OUTSIDE] });
  Object.assign(process.env, sim.managedIdentity.env());
});
after(async () => {
  await sim?.stop();
});

function managedIdentityChannel(mailbox: string) {
  const { channel, deps } = simulatorChannel(sim, { mailbox, id: `mi-${mailbox}` });
  const record = ChannelRecord.parse({ ...channel, connection: { ...channel.connection, auth: { type: 'managedIdentity' } } });
  let secretReads = 0;
  const counting = { ...deps, getSecret: async (ref: string) => { secretReads++; return deps.getSecret(ref); } };
  return { record, deps: counting, secretReads: () => secretReads };
}

const permanent = (code: string) => (err: unknown) => err instanceof MailChannelError && err.code === code && !err.retryable;

test('a managed identity channel gets its token from the identity endpoint: no secret read, no client-credentials call', async () => {
  const { record, deps, secretReads } = managedIdentityChannel(MI_DESK);
  const before = { entra: sim.stats().tokenRequests, identity: sim.managedIdentity.requests };
  const listed = await createGraphMailSource(record, deps).listNew('Inbox', undefined);
  assert.deepEqual(listed.mails, []);
  assert.equal(secretReads(), 0);
  assert.equal(sim.stats().tokenRequests, before.entra);
  assert.ok(sim.managedIdentity.requests > before.identity);
  assert.deepEqual([...new Set(sim.requests.filter((r) => r.mailbox === MI_DESK).map((r) => r.appId))], [sim.managedIdentity.systemAssignedClientId]);
  // a second mail source on the same identity reuses the token: no further identity request
  const asked = sim.managedIdentity.requests;
  await createGraphMailSource(record, deps).listNew('Inbox', undefined);
  assert.equal(sim.managedIdentity.requests, asked);
});

test('the managed identity\'s token goes only to Microsoft Graph hosts unless private hosts are allowed (the local stack)', async () => {
  assert.doesNotThrow(() => assertManagedIdentityHost('graph.microsoft.com', { allowPrivate: false }));
  assert.doesNotThrow(() => assertManagedIdentityHost('GRAPH.MICROSOFT.US', { allowPrivate: false }));
  assert.doesNotThrow(() => assertManagedIdentityHost('127.0.0.1', { allowPrivate: true }));
  assert.throws(() => assertManagedIdentityHost('graph.attacker.example', { allowPrivate: false }), permanent('GRAPH_CONFIG'));

  const { record, deps } = managedIdentityChannel(MI_DESK);
  const before = { identity: sim.managedIdentity.requests, graph: sim.requests.length };
  await assert.rejects(createGraphMailSource(record, { ...deps, targetPolicy: { allowPrivate: false } }).listNew('Inbox', undefined), (err: unknown) =>
    permanent('GRAPH_CONFIG')(err) && /sent only to Microsoft Graph/.test((err as Error).message),
  );
  assert.equal(sim.managedIdentity.requests, before.identity, 'no token was fetched');
  assert.equal(sim.requests.length, before.graph, 'nothing was sent');
});

test('a mailbox outside the app\'s Exchange scope fails once as GRAPH_MAILBOX_OUT_OF_SCOPE (client credentials too), with no fresh-token retry', async () => {
  sim.setMailboxScope(sim.app.clientId, [APP_DESK]);
  try {
    const { channel, deps } = simulatorChannel(sim, { mailbox: OUTSIDE, id: 'app-outside' });
    const before = { graph: sim.requests.filter((r) => r.mailbox === OUTSIDE).length, entra: sim.stats().tokenRequests };
    await assert.rejects(createGraphMailSource(channel, deps).listNew('Inbox', undefined), (err: unknown) =>
      permanent('GRAPH_MAILBOX_OUT_OF_SCOPE')(err) && (err as Error).message.includes(`does not include ${OUTSIDE}`),
    );
    assert.equal(sim.requests.filter((r) => r.mailbox === OUTSIDE).length - before.graph, 1, 'one Graph request');
    assert.ok(sim.stats().tokenRequests - before.entra <= 1, 'no second token');
    // in scope, the same app works
    const inScope = simulatorChannel(sim, { mailbox: APP_DESK, id: 'app-desk' });
    assert.deepEqual((await createGraphMailSource(inScope.channel, inScope.deps).listNew('Inbox', undefined)).mails, []);
  } finally {
    sim.setMailboxScope(sim.app.clientId, undefined);
  }
});

test('a revoked consent (403 "Access is denied") is still retried once with a fresh token and then GRAPH_AUTH', async () => {
  sim.denyApp(sim.app.clientId);
  try {
    const { channel, deps } = simulatorChannel(sim, { mailbox: APP_DESK, id: 'app-denied' });
    const before = sim.requests.filter((r) => r.mailbox === APP_DESK).length;
    await assert.rejects(createGraphMailSource(channel, deps).listNew('Inbox', undefined), permanent('GRAPH_AUTH'));
    assert.equal(sim.requests.filter((r) => r.mailbox === APP_DESK).length - before, 2);
  } finally {
    sim.denyApp(sim.app.clientId, false);
  }
});
