import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { ensureAdminUi } from '../../admin-ui/build';
import { startGraphSimulator, type GraphSimulator } from '../../devhost/graph-simulator';
import { simulatorChannelInput } from '../../devhost/graph-simulator/channel';
import { startTestStack, type TestStack } from '../support/stack';
import { api, rfc822, tickets } from '../support/mail-e2e';
import { launchBrowser, watchedPage } from '../support/browser';
import { assertClean, axeViolations, screenshot } from '../support/admin-page';

/**
 * Sign-in with the authorization-code flow, as an admin does it in Chromium: the channel's
 * sign-in view → "Sign in" → the Entra simulator's consent page (its Accept button clicked) →
 * the callback sends the browser back to the page, which says "Signed in as …"; the channel
 * reads its mailbox with that user's token. Then the grant is revoked at the provider: the next
 * sync marks the channel, the channels list shows the banner, "Sign in again" goes through
 * consent once more, and the mail that arrived meanwhile becomes a ticket — nothing lost.
 */
let stack: TestStack;
let sim: GraphSimulator;
let browser: Browser;
const DESK = 'desk@contoso.example';

before(async () => {
  const [, simulator] = await Promise.all([ensureAdminUi(), startGraphSimulator({ mailboxes: [DESK] })]);
  sim = simulator;
  [stack, browser] = await Promise.all([startTestStack({ trustCa: [sim.caCertPem] }), launchBrowser()]);
});

after(async () => {
  await browser?.close();
  await stack?.stop();
  await sim?.stop();
});

async function syncNow(channelId: string): Promise<void> {
  const res = await api(stack, 'POST', `channels/${channelId}/sync`);
  assert.equal(res.status, 202, JSON.stringify(res.body));
  await stack.settle(60_000);
}

/** At the simulator's "Permissions requested" page: the mailbox user signs in and accepts. */
async function consent(page: Page): Promise<void> {
  await page.getByRole('heading', { name: 'Permissions requested' }).waitFor();
  assert.equal(new URL(page.url()).origin, new URL(sim.authorizeEndpoint(sim.app.tenantId)).origin, 'the browser is at the provider');
  // prompt=select_account: the provider asks which account (MSAL leaves login_hint out with that prompt).
  await page.getByLabel('Account').fill(DESK);
  await page.getByRole('button', { name: 'Accept' }).click();
}

/** Back from the provider: the channel's sign-in view in the admin page, loaded. */
async function backOnSignInView(page: Page, channelId: string): Promise<void> {
  await page.waitForURL((u) => u.origin === stack.baseUrl && u.hash === `#/channels/${channelId}/sign-in`, { timeout: 15_000 }).catch(async (err: unknown) => {
    throw new Error(`not back on the sign-in view: at ${page.url()}: ${(await page.textContent('body').catch(() => ''))?.slice(0, 500)}`, { cause: err });
  });
  await page.getByText(`Signed in as ${DESK}`).waitFor();
}

test('an admin signs a Graph channel in through consent in the browser, it reads mail; after the grant is revoked the banner leads to "Sign in again" and the mail sent meanwhile becomes a ticket', async () => {
  const input = simulatorChannelInput(sim, DESK);
  const created = await api<{ id: string }>(stack, 'POST', 'channels', {
    ...input,
    name: 'Desk (signed in as the user)',
    connection: { ...input.connection, auth: { ...input.connection.auth, flow: 'authorizationCode', redirectUrl: `${stack.baseUrl}/api/oauth/callback` } },
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const id = created.body.id;

  // The simulator's https pages carry a certificate of the test's own CA.
  const w = await watchedPage(browser, { ignoreHTTPSErrors: true });
  const { page } = w;
  await page.goto(`${stack.baseUrl}/api/console/`);
  await page.getByLabel('Admin key').fill(stack.adminKey);
  await page.getByLabel('Admin key').press('Enter');
  await page.getByRole('heading', { name: 'Mail channels' }).waitFor();

  // The list links the channel's sign-in; it is not signed in yet.
  await page.getByRole('link', { name: 'Sign-in' }).click();
  await page.getByRole('heading', { name: 'Sign-in of Desk (signed in as the user)' }).waitFor();
  await page.getByText('Not signed in yet').waitFor();
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await consent(page);
  await backOnSignInView(page, id);
  assert.deepEqual(await axeViolations(page), [], 'axe on the page the provider returns to');
  await screenshot(page, 'sign-in-signed-in');
  assert.equal((await api<{ state: string; account?: string }>(stack, 'GET', `oauth/${id}/status`)).body.account, DESK);

  // Signed in: the channel reads the mailbox with the user's delegated token.
  assert.equal((await api(stack, 'POST', `channels/${id}/publish`)).status, 200);
  await stack.settle(30_000);
  await sim.deliver(DESK, 'Inbox', rfc822({ subject: 'Cannot open the shared calendar', messageId: '<cal-1@client.example.org>' }));
  await syncNow(id);
  assert.deepEqual((await tickets(stack, id)).map((t) => t.title), ['Cannot open the shared calendar']);

  // The user's grant is revoked at the provider (and the issued access tokens with it); mail keeps arriving.
  sim.revokeUserGrants(DESK);
  sim.revokeTokens();
  await sim.deliver(DESK, 'Inbox', rfc822({ subject: 'Sent while the sign-in was gone', messageId: '<gone-1@client.example.org>' }));
  await syncNow(id);
  const lost = await api<{ state: string; error?: { message: string } }>(stack, 'GET', `oauth/${id}/status`);
  assert.equal(lost.body.state, 'needsReauthorization', JSON.stringify(lost.body));
  assert.equal((await tickets(stack, id)).length, 1, 'nothing is read without a grant');

  // The channels list says so first, with the provider's words and the button.
  await page.goto(`${stack.baseUrl}/api/console/#/channels`);
  await page.getByText('1 channel(s) need signing in again').waitFor();
  await page.getByText(/AADSTS50173/).first().waitFor();
  await screenshot(page, 'channels-needs-reauthorization');
  await page.getByRole('button', { name: 'Sign in again to Desk (signed in as the user)' }).click();
  await consent(page);
  await backOnSignInView(page, id);
  assert.deepEqual(await axeViolations(page), [], 'axe on the page the provider returns to, after signing in again');
  await page.goto(`${stack.baseUrl}/api/console/#/channels`);
  await page.getByRole('table', { name: 'Mail channels' }).waitFor();
  assert.equal(await page.getByText('need signing in again').count(), 0, 'the banner is gone');

  // Sync resumes where it stopped: the mail sent meanwhile becomes a ticket, none is lost or doubled.
  await syncNow(id);
  assert.deepEqual((await tickets(stack, id)).map((t) => t.title).sort(), ['Cannot open the shared calendar', 'Sent while the sign-in was gone']);
  assertClean(w);
  await w.context.close();
});
