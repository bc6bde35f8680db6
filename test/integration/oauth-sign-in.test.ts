import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { CosmosClient } from '@azure/cosmos';
import { startTestStack, type TestStack } from '../support/stack';
import { startGraphSimulator, type GraphSimulator } from '../../devhost/graph-simulator';
import { simulatorChannelInput } from '../../devhost/graph-simulator/channel';
import { answerConsent } from '../../devhost/graph-simulator/consent-client';
import { api, rfc822, tickets } from '../support/mail-e2e';
import { signInViewPath } from '../../shared/admin/sign-in-view';

/**
 * Sign-in with the authorization-code flow through the real host: GET /api/oauth/{id}/start →
 * the simulator's consent page (posted as its Accept button does) → GET /api/oauth/callback
 * with the starting browser's cookie → the channel reads mail over Graph with the user's
 * delegated token; the callback sends the browser back to the channel's sign-in in the admin page. The callback's state is single use, expires, and
 * is bound to its channel and to the starting browser: replayed, forged, aged or carried-over states are refused. Then revocation: the next sync of that channel fails with
 * AUTH_REAUTHORIZATION_REQUIRED, another channel goes on, and signing in again fixes it.
 */
let stack: TestStack;
let sim: GraphSimulator;
const DESK = 'desk@contoso.example';
const OTHER = 'other@contoso.example';

before(async () => {
  sim = await startGraphSimulator({ mailboxes: [DESK, OTHER] });
  stack = await startTestStack({ trustCa: [sim.caCertPem] });
});

after(async () => {
  await stack?.stop();
  await sim?.stop();
});

function delegatedInput(mailbox: string) {
  const input = simulatorChannelInput(sim, mailbox);
  return { ...input, connection: { ...input.connection, auth: { ...input.connection.auth, flow: 'authorizationCode', redirectUrl: `${stack.baseUrl}/api/oauth/callback` } } };
}

/** start → consent → callback, as the admin's browser does it; returns the callback's status and page. */
async function signIn(channelId: string, user: string, opts: { cookie?: 'own' | 'none' | 'foreign'; beforeCallback?: () => Promise<void> } = {}): Promise<{ status: number; page: string; location: string; setCookie: string; callbackUrl: URL; cookie: string }> {
  const start = await fetch(`${stack.baseUrl}/api/oauth/${encodeURIComponent(channelId)}/start`, { headers: { 'x-functions-key': stack.adminKey }, redirect: 'manual' });
  assert.equal(start.status, 302, await start.text());
  const cookie = (start.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
  assert.match(cookie, /^mc_oauth_binding=/);
  const callbackUrl = await answerConsent(sim, start.headers.get('location') ?? '', user);
  const sent = opts.cookie === 'none' ? undefined : opts.cookie === 'foreign' ? 'mc_oauth_binding=someone-elses-binding-value-0123456789abcdef' : cookie;
  await opts.beforeCallback?.();
  const back = await fetch(callbackUrl, { headers: sent ? { cookie: sent } : {}, redirect: 'manual' });
  return { status: back.status, page: await back.text(), location: back.headers.get('location') ?? '', setCookie: back.headers.get('set-cookie') ?? '', callbackUrl, cookie };
}

async function syncNow(channelId: string): Promise<void> {
  const res = await api(stack, 'POST', `channels/${channelId}/sync`);
  assert.equal(res.status, 202, JSON.stringify(res.body));
  await stack.settle(60_000);
}

test('start needs the admin: without the admin key it is 401 and no sign-in is started', async () => {
  const res = await fetch(`${stack.baseUrl}/api/oauth/any/start`, { redirect: 'manual' });
  assert.equal(res.status, 401);
});

test('sign in, read mail with the delegated token, lose the grant, see needs-reauthorization with the provider error, sign in again', async () => {
  const created = await api<{ id: string }>(stack, 'POST', 'channels', delegatedInput(DESK));
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const id = created.body.id;

  const first = await signIn(id, DESK);
  assert.equal(first.status, 303, first.page);
  assert.equal(first.location, signInViewPath(id), 'back to the channel\'s sign-in in the admin page');
  assert.match(first.setCookie, /^mc_oauth_binding=;.*Max-Age=0/, 'the binding cookie is cleared');
  const signedIn = await api<{ state: string; account?: string; generation: number }>(stack, 'GET', `oauth/${id}/status`);
  assert.deepEqual([signedIn.body.state, signedIn.body.account, signedIn.body.generation], ['signedIn', DESK, 1]);

  // the same state again (a replay) is refused, even with the right cookie
  const replay = await fetch(first.callbackUrl, { headers: { cookie: first.cookie }, redirect: 'manual' });
  assert.equal(replay.status, 400);
  assert.match(await replay.text(), /not valid or was already used/);

  const rotationsBefore = sim.refreshTokenRedemptions;
  const published = await api<{ status: string }>(stack, 'POST', `channels/${id}/publish`);
  assert.equal(published.status, 200, JSON.stringify(published.body));
  await stack.settle(30_000);
  await sim.deliver(DESK, 'Inbox', rfc822({ subject: 'VPN drops every hour', messageId: '<vpn-1@client.example.org>' }));
  await syncNow(id);
  assert.deepEqual((await tickets(stack, id)).map((t) => t.title), ['VPN drops every hour']);
  assert.ok(sim.refreshTokenRedemptions > rotationsBefore, 'the stored refresh token was redeemed (and rotated)');
  const rotated = await api<{ generation: number; rotatedAt?: string }>(stack, 'GET', `oauth/${id}/status`);
  assert.equal(rotated.body.generation, 1 + (sim.refreshTokenRedemptions - rotationsBefore), 'every rotated refresh token was stored');
  assert.ok(rotated.body.rotatedAt);
  const delegated = sim.requests.filter((r) => r.endpoint === 'messages.value' && r.status === 200);
  assert.ok(delegated.length >= 1);

  // a second channel (app-only) is unaffected by this channel's lost grant
  const otherCreated = await api<{ id: string }>(stack, 'POST', 'channels', simulatorChannelInput(sim, OTHER));
  const otherId = otherCreated.body.id;
  assert.equal((await api(stack, 'POST', `channels/${otherId}/publish`)).status, 200);
  await stack.settle(30_000);

  sim.revokeUserGrants(DESK);
  sim.revokeTokens(); // issued access tokens die too, so the next sync must refresh
  await sim.deliver(DESK, 'Inbox', rfc822({ subject: 'Printer offline', messageId: '<printer-1@client.example.org>' }));
  await sim.deliver(OTHER, 'Inbox', rfc822({ subject: 'Laptop battery', messageId: '<battery-1@client.example.org>' }));
  await syncNow(id);
  await syncNow(otherId);
  const stats = await api<{ sync: { lastError?: { code: string; message: string } } }>(stack, 'GET', `channels/${id}/stats`);
  assert.equal(stats.body.sync.lastError?.code, 'AUTH_REAUTHORIZATION_REQUIRED', JSON.stringify(stats.body));
  assert.match(stats.body.sync.lastError?.message ?? '', /AADSTS50173/);
  assert.deepEqual((await tickets(stack, otherId)).map((t) => t.title), ['Laptop battery'], 'the other channel still works');
  assert.deepEqual((await tickets(stack, id)).map((t) => t.title), ['VPN drops every hour']);
  const lost = await api<{ state: string; error?: { code: string; message: string }; generation: number }>(stack, 'GET', `oauth/${id}/status`);
  assert.equal(lost.body.state, 'needsReauthorization', JSON.stringify(lost.body));
  assert.equal(lost.body.error?.code, 'AUTH_REAUTHORIZATION_REQUIRED');
  assert.match(lost.body.error?.message ?? '', /invalid_grant AADSTS50173/);
  // the channel itself and the channel list say so (what the page's banner shows); the other channel does not
  const view = await api<{ needsReauthorization?: { code: string; message: string } }>(stack, 'GET', `channels/${id}`);
  assert.equal(view.body.needsReauthorization?.code, 'AUTH_REAUTHORIZATION_REQUIRED');
  const list = await api<{ items: { id: string; needsReauthorization?: unknown }[] }>(stack, 'GET', 'channels');
  assert.ok(list.body.items.find((c) => c.id === id)?.needsReauthorization);
  assert.equal(list.body.items.find((c) => c.id === otherId)?.needsReauthorization, undefined);

  const again = await signIn(id, DESK);
  assert.equal(again.status, 303, again.page);
  const back = await api<{ state: string; account?: string; generation: number }>(stack, 'GET', `oauth/${id}/status`);
  assert.deepEqual([back.body.state, back.body.account], ['signedIn', DESK]);
  assert.equal((await api<{ needsReauthorization?: unknown }>(stack, 'GET', `channels/${id}`)).body.needsReauthorization, undefined);
  assert.ok(back.body.generation > lost.body.generation, 'the new sign-in stored a new refresh token');
  await syncNow(id);
  assert.deepEqual((await tickets(stack, id)).map((t) => t.title).sort(), ['Printer offline', 'VPN drops every hour']);
});

test('a callback from another browser (no cookie, or a foreign one) is refused and stores nothing', async () => {
  const created = await api<{ id: string }>(stack, 'POST', 'channels', delegatedInput(OTHER));
  const id = created.body.id;
  const none = await signIn(id, OTHER, { cookie: 'none' });
  assert.equal(none.status, 400);
  assert.match(none.page, /started in another browser/);
  const foreign = await signIn(id, OTHER, { cookie: 'foreign' });
  assert.equal(foreign.status, 400);
  assert.match(foreign.page, /started in another browser/);
});

test('the callback page has no script and a strict CSP; a provider error is shown as text', async () => {
  const created = await api<{ id: string }>(stack, 'POST', 'channels', delegatedInput(OTHER));
  const start = await fetch(`${stack.baseUrl}/api/oauth/${created.body.id}/start`, { headers: { 'x-functions-key': stack.adminKey, accept: 'application/json' } });
  assert.equal(start.status, 200);
  const { authorizationUrl } = (await start.json()) as { authorizationUrl: string };
  const cookie = (start.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
  const declined = await answerConsent(sim, authorizationUrl, OTHER, 'cancel');
  const back = await fetch(declined, { headers: { cookie } });
  const page = await back.text();
  assert.equal(back.status, 400);
  assert.match(page, /access_denied: AADSTS65004/);
  assert.doesNotMatch(page, /<script/i);
  assert.match(back.headers.get('content-security-policy') ?? '', /default-src 'none'/);
});

/** The pending sign-ins of a channel, as stored (syncState, kind oauthState). */
async function pendingSignIns(channelId: string): Promise<{ id: string; expiresAt: string }[]> {
  const cosmos = new CosmosClient({ endpoint: stack.env.COSMOS_ENDPOINT ?? '', key: stack.env.COSMOS_KEY, connectionPolicy: { enableEndpointDiscovery: false } });
  try {
    const c = cosmos.database(stack.env.COSMOS_DATABASE ?? 'mailchannel').container('syncState');
    const { resources } = await c.items
      .query<{ id: string; expiresAt: string }>({ query: "SELECT c.id, c.expiresAt FROM c WHERE c.channelId = @id AND c.kind = 'oauthState'", parameters: [{ name: '@id', value: channelId }] })
      .fetchAll();
    return resources;
  } finally {
    cosmos.dispose();
  }
}

async function ageSignIns(channelId: string): Promise<void> {
  const cosmos = new CosmosClient({ endpoint: stack.env.COSMOS_ENDPOINT ?? '', key: stack.env.COSMOS_KEY, connectionPolicy: { enableEndpointDiscovery: false } });
  try {
    const c = cosmos.database(stack.env.COSMOS_DATABASE ?? 'mailchannel').container('syncState');
    for (const p of await pendingSignIns(channelId)) {
      await c.item(p.id, channelId).patch([{ op: 'replace', path: '/expiresAt', value: new Date(Date.now() - 1000).toISOString() }]);
    }
  } finally {
    cosmos.dispose();
  }
}

const status = async (id: string) => (await api<{ state: string; generation: number }>(stack, 'GET', `oauth/${id}/status`)).body;

test('an expired state is refused (the pending sign-in is 10 minutes old) and stores nothing', async () => {
  const created = await api<{ id: string }>(stack, 'POST', 'channels', delegatedInput(OTHER));
  const id = created.body.id;
  // The admin took too long at the provider: the pending sign-in is past its expiry when the browser comes back.
  const late = await signIn(id, OTHER, { beforeCallback: () => ageSignIns(id) });
  assert.equal(late.status, 400, late.page);
  assert.match(late.page, /took too long and expired/);
  assert.ok(late.page.includes(`href="${signInViewPath(id)}"`), 'a link back to the channel\'s sign-in');
  const after = await status(id);
  assert.deepEqual([after.state, after.generation], ['notSignedIn', 0]);
  assert.deepEqual(await pendingSignIns(id), [], 'the expired state was taken out too: it cannot be tried again');
});

test('forged states are refused: a made-up nonce, a real nonce moved to another channel, garbage; nothing is stored', async () => {
  const victim = (await api<{ id: string }>(stack, 'POST', 'channels', delegatedInput(OTHER))).body.id;
  const attacker = (await api<{ id: string }>(stack, 'POST', 'channels', delegatedInput(OTHER))).body.id;
  // A real sign-in of the attacker's channel, up to the code; its state then re-pointed at the victim's channel.
  const start = await fetch(`${stack.baseUrl}/api/oauth/${attacker}/start`, { headers: { 'x-functions-key': stack.adminKey }, redirect: 'manual' });
  const cookie = (start.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
  const callbackUrl = await answerConsent(sim, start.headers.get('location') ?? '', OTHER);
  const realState = callbackUrl.searchParams.get('state') ?? '';
  const nonce = realState.split('.')[1] ?? '';
  const forged = [
    `${Buffer.from(victim).toString('base64url')}.${nonce}`,
    `${Buffer.from(victim).toString('base64url')}.${Buffer.alloc(32, 7).toString('base64url')}`,
    'not-a-state',
    `${'A'.repeat(2000)}.x`,
  ];
  for (const state of forged) {
    const url = new URL(callbackUrl);
    url.searchParams.set('state', state);
    const res = await fetch(url, { headers: { cookie }, redirect: 'manual' });
    const page = await res.text();
    assert.ok(res.status === 400, `${state.slice(0, 60)}: ${res.status} ${page}`);
    assert.match(page, /not valid or was already used|malformed/);
  }
  assert.equal((await status(victim)).state, 'notSignedIn');
  // The attacker's own state is still good afterwards: the forgeries did not consume it.
  const own = await fetch(callbackUrl, { headers: { cookie }, redirect: 'manual' });
  assert.equal(own.status, 303, await own.text());
  assert.equal((await status(attacker)).state, 'signedIn');
  assert.equal((await status(victim)).state, 'notSignedIn');
});

type TestResult = { ok: boolean; stages: { stage: string; status: string; failure?: { code: string; message: string; whatToDo: string }; details: { mechanism?: string; user?: string } }[] };
const authStage = (r: TestResult) => r.stages.find((s) => s.stage === 'authentication');

test('the connection test of a signed-in channel uses its sign-in: "sign in" before, a pass as the signed-in user, "sign in again" after the grant is revoked', async () => {
  const created = await api<{ id: string }>(stack, 'POST', 'channels', delegatedInput(OTHER));
  const id = created.body.id;
  const before = (await api<TestResult>(stack, 'POST', `channels/${id}/test-connection`)).body;
  assert.deepEqual(before.stages.map((s) => [s.stage, s.status]), [['dns', 'pass'], ['tcp', 'pass'], ['tls', 'pass'], ['authentication', 'fail'], ['mailbox', 'skipped'], ['folders', 'skipped'], ['send', 'skipped']]);
  assert.equal(authStage(before)?.failure?.code, 'SIGN_IN_MISSING');
  assert.match(authStage(before)?.failure?.whatToDo ?? '', new RegExp(`^sign in: .*/api/oauth/${id}/start`));
  assert.equal((await status(id)).state, 'notSignedIn', 'testing did not mark the channel');

  assert.equal((await signIn(id, OTHER)).status, 303);
  const redemptions = sim.refreshTokenRedemptions;
  const signedIn = (await api<TestResult>(stack, 'POST', `channels/${id}/test-connection`)).body;
  assert.equal(signedIn.ok, true, JSON.stringify(signedIn, null, 1));
  assert.equal(authStage(signedIn)?.details.user, OTHER);
  assert.match(authStage(signedIn)?.details.mechanism ?? '', /authorization code/);
  assert.equal(sim.refreshTokenRedemptions, redemptions + 1, 'the stored refresh token was redeemed once');
  assert.equal((await status(id)).generation, 2, 'and its rotation stored, as a sync stores it');

  sim.revokeUserGrants(OTHER);
  const revoked = (await api<TestResult>(stack, 'POST', `channels/${id}/test-connection`)).body;
  assert.equal(authStage(revoked)?.status, 'fail');
  assert.equal(authStage(revoked)?.failure?.code, 'SIGN_IN_REVOKED');
  assert.match(authStage(revoked)?.failure?.message ?? '', /AADSTS50173/);
  assert.match(authStage(revoked)?.failure?.whatToDo ?? '', /^sign in again: /);
  assert.equal((await status(id)).state, 'needsReauthorization', 'the refusal is recorded as a sync records it');

  // An unsaved configuration cannot have a sign-in: the test says to save and sign in (its client secret is all it needs in the body).
  const unsaved = (await api<TestResult>(stack, 'POST', 'channels/test-connection', delegatedInput(OTHER))).body;
  assert.equal(authStage(unsaved)?.failure?.code, 'SIGN_IN_MISSING', JSON.stringify(unsaved));
  assert.match(authStage(unsaved)?.failure?.whatToDo ?? '', /^save the channel, then sign in/);
});
