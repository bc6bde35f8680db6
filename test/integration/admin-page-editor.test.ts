import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import { ensureAdminUi } from '../../admin-ui/build';
import { startTestStack, type TestStack } from '../support/stack';
import { type Dovecot, dovecotChannelInput, startDovecot } from '../support/dovecot';
import { api, eventually, ledger, publishChannel, rfc822 } from '../support/mail-e2e';
import { launchBrowser } from '../support/browser';
import { assertClean, checkView, signedInPage } from '../support/admin-page';

/**
 * The channel editor of a published channel with processed mail, in Debian's Chromium
 * against the local host (Azurite, the Cosmos emulator, a real Dovecot mailbox): Save shows
 * which stored mails the pending change would decide differently, Back leaves the channel as
 * it was, Save + confirm stores it; the field mapping rows show, live, what a pattern
 * captures from a sample mail, and a lookbehind pattern shows RE2's refusal at its row.
 * axe-core checks each state; with UPDATE_SCREENSHOTS=1 they are saved to docs/screenshots/.
 */
let stack: TestStack;
let dovecot: Dovecot;
let browser: Browser;
let deskId: string;
const USERS = [{ user: 'editor1@example.com', password: 'editor1-secret' }, { user: 'editor2@example.com', password: 'editor2-secret' }];
const imapChannel = (u: { user: string; password: string }, name: string) => dovecotChannelInput(dovecot, u, name);

before(async () => {
  const [, dc] = await Promise.all([ensureAdminUi(), startDovecot({ users: USERS })]);
  dovecot = dc;
  [stack, browser] = await Promise.all([startTestStack({ trustCa: [dovecot.caCertPem] }), launchBrowser()]);
  // A published channel that has made tickets of two mails, from two sender domains.
  const u = USERS[0]!;
  deskId = await publishChannel(stack, imapChannel(u, 'Editor desk'));
  await stack.settle(30_000);
  await dovecot.append(u.user, 'INBOX', rfc822({ from: 'Alice Example <alice@example.org>', subject: 'Order 4711: toner for the printer', messageId: '<order-4711@example.org>' }));
  await dovecot.append(u.user, 'INBOX', rfc822({ from: 'Bob Partner <bob@partner.test>', subject: 'VPN drops every hour', messageId: '<vpn-1@partner.test>' }));
  assert.equal((await api(stack, 'POST', `channels/${deskId}/sync`)).status, 202);
  await eventually(stack, async () => (await ledger(stack, deskId)).filter((m) => m.outcome === 'created').length === 2, 'both mails become tickets', 60_000);
});

after(async () => {
  await browser?.close();
  await stack?.stop();
  await dovecot?.stop();
});

const pageUrl = () => `${stack.baseUrl}/api/console/`;

const signedIn = () => signedInPage(browser, pageUrl(), stack.adminKey);

async function channel(id: string) {
  const res = await api<{ domains: { allowed: string[] }; ticketMapping: { fields: unknown[] } }>(stack, 'GET', `channels/${id}`);
  assert.equal(res.status, 200);
  return { etag: res.headers.get('etag'), body: res.body };
}

test('saving a published channel first shows which stored mails the change decides differently; Back keeps the channel, Save + confirm stores it', async () => {
  // A setting the form does not show: Save must leave it as it is.
  assert.equal((await api(stack, 'PATCH', `channels/${deskId}`, { threading: { untrustedReply: 'reject' } })).status, 200);
  const w = await signedIn();
  const { page } = w;
  const before = await channel(deskId);
  await page.goto(`${pageUrl()}#/channels/${deskId}/tab/domains`);
  await page.getByRole('heading', { name: 'Editor desk' }).waitFor();

  // Unchanged: the preview alone says nothing would change.
  await page.getByRole('button', { name: 'Preview impact' }).click();
  const panel = page.locator('#impact-preview');
  await panel.getByText('None of the last 2 mails would be decided differently.').waitFor();
  await panel.getByRole('button', { name: 'Close' }).click();
  await panel.waitFor({ state: 'detached' });

  await page.getByLabel(/Allowed sender domains/).fill('example.org');
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await panel.getByRole('heading', { name: /Before saving/ }).waitFor();
  await panel.locator('table').waitFor();
  const report = (await panel.textContent()) ?? '';
  assert.match(report, /1 of the last 2 mails would be decided differently/);
  assert.match(report, /created → rejected: 1 mail/);
  const rows = await panel.locator('table tbody tr').allTextContents();
  assert.equal(rows.length, 1, rows.join('\n'));
  assert.match(rows[0]!, /VPN drops every hour/);
  assert.match(rows[0]!, /bob@partner\.test/);
  assert.match(rows[0]!, /created/);
  assert.match(rows[0]!, /rejected/);
  assert.match(rows[0]!, /SENDER_DOMAIN_NOT_ALLOWED/);
  assert.doesNotMatch(report, /Order 4711/, 'the mail from an allowed domain does not change');
  await checkView(page, 'channel-editor-impact-preview');
  // How far back is the admin's choice: the preview runs again over the last 10.
  const again = page.waitForRequest((r) => r.method() === 'POST' && r.url().includes('/impact-preview?limit=10'));
  await page.locator('#impact-limit').selectOption('10');
  await again;
  await panel.getByText('1 of the last 2 mails would be decided differently.').waitFor();

  await panel.getByRole('button', { name: 'Back to editing' }).click();
  await panel.waitFor({ state: 'detached' });
  const afterBack = await channel(deskId);
  assert.equal(afterBack.etag, before.etag, 'Back stores nothing');
  assert.deepEqual(afterBack.body.domains.allowed, []);
  assert.equal(await page.getByLabel(/Allowed sender domains/).inputValue(), 'example.org', 'the edit is still in the form');

  // An edit while the preview is shown takes it away: "Save this change" never saves what was not previewed.
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await panel.getByRole('button', { name: 'Save this change' }).waitFor();
  await page.getByLabel(/Allowed sender domains/).fill('example.org ');
  await panel.waitFor({ state: 'detached' });

  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await panel.getByRole('button', { name: 'Save this change' }).click();
  await page.locator('.form-status').getByText('Saved.').waitFor();
  const saved = await channel(deskId);
  assert.notEqual(saved.etag, before.etag);
  assert.deepEqual(saved.body.domains.allowed, ['example.org']);
  assert.equal((saved.body as unknown as { threading: { untrustedReply: string } }).threading.untrustedReply, 'reject', 'a setting the form does not show is kept');
  assertClean(w);
  await w.context.close();
});

test('a published channel with no stored mail yet says so in its impact preview', async () => {
  const emptyId = await publishChannel(stack, imapChannel(USERS[1]!, 'Quiet desk'));
  const w = await signedIn();
  const { page } = w;
  await page.goto(`${pageUrl()}#/channels/${emptyId}/tab/domains`);
  await page.getByRole('heading', { name: 'Quiet desk' }).waitFor();
  await page.getByLabel(/Allowed sender domains/).fill('example.org');
  await page.getByRole('button', { name: 'Preview impact' }).click();
  await page.locator('#impact-preview').getByText('This channel has no stored mail yet: there is nothing to compare the change with.').waitFor();
  assertClean(w);
  await w.context.close();
});

test('the JSON dry run takes a stored mail and an unsaved configuration patch, stores nothing, and names a refused pattern\'s row', async () => {
  const before = await channel(deskId);
  const key = (await ledger(stack, deskId)).find((m) => m.subject?.startsWith('Order 4711'))?.id;
  assert.ok(key);
  const fields = [
    { field: 'affectedSystem', source: { kind: 'regex', on: 'subject', pattern: 'order (\\d+)', flags: 'i', group: 1 } },
    { field: 'details', source: { kind: 'header', name: 'X-None' } },
  ];
  const res = await api<{ outcome: string; ticket?: { fields: Record<string, unknown> }; fieldMapping: { field: string; status: string; value?: unknown }[] }>(stack, 'POST', `channels/${deskId}/dry-run`, { mail: { storedKey: key }, patch: { ticketMapping: { fields } } });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.equal(res.body.ticket?.fields.affectedSystem, '4711');
  assert.deepEqual(res.body.fieldMapping.map((r) => [r.field, r.status, r.value]), [['affectedSystem', 'value', '4711'], ['details', 'empty', undefined]]);

  const pasted = await api<{ fieldMapping: { value?: unknown }[] }>(stack, 'POST', `channels/${deskId}/dry-run`, { mail: { text: rfc822({ subject: 'Order 99 is late' }).toString('utf8') }, patch: { ticketMapping: { fields } } });
  assert.equal(pasted.body.fieldMapping[0]?.value, '99');

  const refused = await api<{ issues: { path: string; message: string }[] }>(stack, 'POST', `channels/${deskId}/dry-run`, { mail: { storedKey: key }, patch: { ticketMapping: { fields: [{ field: 'affectedSystem', source: { kind: 'regex', on: 'subject', pattern: '(?<=order )\\d+', group: 0 } }] } } });
  assert.equal(refused.status, 400);
  assert.equal(refused.body.issues[0]?.path, 'ticketMapping.fields.0.source.pattern');
  assert.match(refused.body.issues[0]?.message ?? '', /lookbehind/);

  const unknownField = await api<{ issues: { path: string }[] }>(stack, 'POST', `channels/${deskId}/dry-run`, { mail: { storedKey: key }, patch: { ticketMapping: { fields: [{ field: 'noSuchField', source: { kind: 'mail', property: 'from' } }] } } });
  assert.equal(unknownField.status, 400);
  assert.equal(unknownField.body.issues[0]?.path, 'ticketMapping.fields.0.field');
  assert.equal((await api(stack, 'POST', `channels/${deskId}/dry-run`, { mail: { storedKey: 'no-such-key' } })).status, 404);
  const after = await channel(deskId);
  assert.equal(after.etag, before.etag, 'nothing stored');
  assert.deepEqual(after.body.ticketMapping.fields, []);
});

test('a field mapping row shows, live, what its pattern captures from a stored or pasted sample mail, and RE2\'s refusal of a lookbehind at the row', async () => {
  const w = await signedIn();
  const { page } = w;
  await page.goto(`${pageUrl()}#/channels/${deskId}/tab/ticket`);
  await page.getByRole('heading', { name: 'Editor desk' }).waitFor();
  await page.getByRole('button', { name: 'Add row' }).click();
  await page.locator('#fm-0-field').fill('affectedSystem');
  await page.locator('#fm-0-pattern').fill('order (\\d+)');
  // The channel's stored mails are offered as samples (subjects as text).
  const option = page.locator('#fm-sample option', { hasText: 'Order 4711: toner for the printer' });
  await option.waitFor({ state: 'attached' });
  await page.locator('#fm-sample').selectOption({ value: (await option.getAttribute('value')) ?? '' });
  const preview = page.locator('#fm-0-preview');
  await preview.locator('.preview-value', { hasText: '4711' }).waitFor();
  await page.locator('#fm-preview-status').getByText('would be').waitFor();

  // Typing is debounced: a pattern typed key by key sends one dry run (or two after a pause), not one per key.
  let dryRuns = 0;
  const countDryRuns = (r: { url(): string; method(): string }) => { if (r.method() === 'POST' && r.url().includes('/dry-run')) dryRuns++; };
  page.on('request', countDryRuns);
  const typed = 'order #?(\\d+)';
  await page.locator('#fm-0-pattern').fill('');
  await page.locator('#fm-0-pattern').pressSequentially(typed, { delay: 20 });
  await page.waitForTimeout(800); // past the debounce, so a late request would be counted
  await page.locator('#fm-preview-status').getByText('would be').waitFor();
  await preview.locator('.preview-value', { hasText: '4711' }).waitFor();
  page.off('request', countDryRuns);
  assert.ok(dryRuns >= 1 && dryRuns <= 2, `${dryRuns} dry runs for ${typed.length + 1} edits`);
  await checkView(page, 'channel-editor-field-mapping');

  // A pasted mail: the preview follows the text.
  await page.locator('#fm-sample-text').fill(rfc822({ from: 'alice@example.org', subject: 'Order 555 never arrived' }).toString('utf8'));
  await preview.locator('.preview-value', { hasText: '555' }).waitFor();

  // A lookbehind: the API's reason at the pattern of row 1.
  await page.locator('#fm-0-pattern').fill('(?<=order )\\d+');
  await page.locator('#fm-0-group').fill('0');
  const error = page.locator('#fm-0-pattern-error');
  await error.waitFor();
  assert.match((await error.textContent()) ?? '', /lookbehind/);
  assert.equal(await page.locator('#fm-0-pattern').getAttribute('aria-invalid'), 'true');
  await checkView(page, 'channel-editor-field-mapping-error');

  // Fixed again: the error goes, the value comes back; nothing was stored meanwhile.
  await page.locator('#fm-0-pattern').fill('order (\\d+)');
  await page.locator('#fm-0-group').fill('1');
  await preview.locator('.preview-value', { hasText: '555' }).waitFor();
  assert.equal(await error.count(), 0);
  assert.deepEqual((await channel(deskId)).body.ticketMapping.fields, []);
  page.once('dialog', (d) => void d.accept());
  assertClean(w);
  await w.context.close();
});
