import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startGraphSimulator, type GraphSimulator } from '../../devhost/graph-simulator';
import { answerConsent } from '../../devhost/graph-simulator/consent-client';
import { startTestStack, type TestStack } from '../support/stack';
import { startDovecot, type Dovecot } from '../support/dovecot';
import { api, rfc822, tickets } from '../support/mail-e2e';

/**
 * IMAP with XOAUTH2 and the authorization-code flow, on real parts end to end: the admin signs
 * the channel in at the Entra simulator (consent), the host redeems the stored refresh token for
 * an Outlook IMAP token, and Dovecot — whose oauth2 passdb asks the simulator's RFC 7662
 * introspection endpoint about every token, as Exchange checks its own — lets the channel in as
 * the signed-in user. Revoking the user's grant at the simulator stops it: needs re-authorization.
 */
let stack: TestStack;
let sim: GraphSimulator;
let dovecot: Dovecot;
const DESK = 'helpdesk@contoso.example';

before(async () => {
  sim = await startGraphSimulator({ mailboxes: [] });
  dovecot = await startDovecot({
    // The password is never used: the channel logs in with XOAUTH2 only.
    users: [{ user: DESK, password: 'not-used-by-the-channel' }],
    introspection: { url: sim.introspectionEndpoint(sim.app.tenantId), caPem: sim.caCertPem },
  });
  stack = await startTestStack({ trustCa: [sim.caCertPem, dovecot.caCertPem] });
});

after(async () => {
  await stack?.stop();
  await dovecot?.stop();
  await sim?.stop();
});

async function syncNow(channelId: string): Promise<void> {
  const res = await api(stack, 'POST', `channels/${channelId}/sync`);
  assert.equal(res.status, 202, JSON.stringify(res.body));
  await stack.settle(60_000);
}

/** start → consent as DESK → callback with the starting browser's cookie. */
async function signIn(id: string): Promise<void> {
  const start = await fetch(`${stack.baseUrl}/api/oauth/${id}/start`, { headers: { 'x-functions-key': stack.adminKey }, redirect: 'manual' });
  assert.equal(start.status, 302, await start.text());
  const authorizationUrl = new URL(start.headers.get('location') ?? '');
  assert.match(authorizationUrl.searchParams.get('scope') ?? '', /IMAP\.AccessAsUser\.All/, 'the IMAP scopes are asked for');
  const cookie = (start.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
  const back = await fetch(await answerConsent(sim, authorizationUrl.href, DESK), { headers: { cookie }, redirect: 'manual' });
  assert.equal(back.status, 303, await back.text());
}

test('an IMAP channel signed in with the authorization-code flow logs in to Dovecot with XOAUTH2 and a token from the simulator, and reads mail; a revoked grant stops it until signed in again, and nothing is lost', async () => {
  const created = await api<{ id: string }>(stack, 'POST', 'channels', {
    name: 'Helpdesk over IMAP, signed in as the user',
    connection: {
      protocol: 'imap',
      host: '127.0.0.1',
      port: dovecot.port,
      tls: 'starttls',
      username: DESK,
      auth: {
        type: 'oauth',
        flow: 'authorizationCode',
        tenantId: sim.app.tenantId,
        clientId: sim.app.clientId,
        clientSecret: sim.app.clientSecret,
        tokenEndpoint: sim.tokenEndpoint(sim.app.tenantId),
        redirectUrl: `${stack.baseUrl}/api/oauth/callback`,
      },
    },
    folders: { read: ['INBOX'], success: 'Processed', fail: 'Failed' },
    domains: { allowed: ['example.org'] },
    ticketMapping: { templateId: 'it-support' },
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const id = created.body.id;

  await signIn(id);

  // The connection test logs in the same way: a pass at authentication, as the signed-in user.
  const tested = (await api<{ ok: boolean; stages: { stage: string; status: string; details: { mechanism?: string; user?: string } }[] }>(stack, 'POST', `channels/${id}/test-connection`)).body;
  const auth = tested.stages.find((s) => s.stage === 'authentication');
  assert.equal(auth?.status, 'pass', JSON.stringify(tested, null, 1));
  assert.match(auth?.details.mechanism ?? '', /XOAUTH2 \(OAuth authorization code\)/);
  assert.ok(sim.introspections >= 1, 'Dovecot asked the simulator about the token');
  assert.ok(await dovecot.waitForLog(/Login: user=<[^>]+>, method=XOAUTH2/, 5_000), dovecot.log().slice(-2000));
  assert.ok(dovecot.log().includes(`Login: user=<${DESK}>, method=XOAUTH2`), 'as the signed-in user');

  assert.equal((await api(stack, 'POST', `channels/${id}/publish`)).status, 200);
  await stack.settle(30_000);
  await dovecot.append(DESK, 'INBOX', rfc822({ subject: 'Projector in room 4 is dead', messageId: '<proj-1@client.example.org>' }));
  await syncNow(id);
  assert.deepEqual((await tickets(stack, id)).map((t) => t.title), ['Projector in room 4 is dead']);

  // The user's grant and the issued tokens are revoked: Dovecot's introspection says inactive, the refresh says invalid_grant.
  sim.revokeUserGrants(DESK);
  sim.revokeTokens();
  // Sessions already logged in outlive the revocation until the server ends them, as Exchange's do: end them.
  dovecot.kick(DESK);
  await dovecot.append(DESK, 'INBOX', rfc822({ subject: 'Sent after the revocation', messageId: '<after-1@client.example.org>' }));
  await syncNow(id);
  const lost = await api<{ state: string; error?: { code: string; message: string } }>(stack, 'GET', `oauth/${id}/status`);
  assert.equal(lost.body.state, 'needsReauthorization', JSON.stringify(lost.body));
  assert.match(lost.body.error?.message ?? '', /AADSTS50173/);
  assert.equal((await tickets(stack, id)).length, 1, 'nothing read without a grant');

  // Signing in again resumes: the mail sent meanwhile becomes a ticket.
  await signIn(id);
  await syncNow(id);
  assert.deepEqual((await tickets(stack, id)).map((t) => t.title).sort(), ['Projector in room 4 is dead', 'Sent after the revocation']);
});
