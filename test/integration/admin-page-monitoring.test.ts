import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { ensureAdminUi } from '../../admin-ui/build';
import { sendTestMail } from '../../devhost/demo/send-test';
import { interrupt, startNpmStart, type RunningStart } from '../support/npm-start';
import { launchBrowser } from '../support/browser';
import { assertClean, checkView, signedInPage } from '../support/admin-page';

/**
 * Monitoring's chart and the demo inbox in Debian's Chromium, against `npm start` with its
 * demo mailbox (child process, free ports, throwaway data): a mail sent to the demo SMTP
 * intake shows in the ledger and is counted by the chart's text alternative; the channel's
 * acknowledgement shows in the sender's demo inbox, its body in the sandboxed frame; the
 * page's "Send a test mail" does the same round. Chart.js must draw under the page's CSP
 * without a single violation. axe-core checks each view; UPDATE_SCREENSHOTS=1 saves them.
 */
let start: RunningStart;
let browser: Browser;
let channelId: string;
let smtpPort: number;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'admin-page-monitoring-'));

before(async () => {
  await ensureAdminUi();
  [start, browser] = await Promise.all([startNpmStart(tmp), launchBrowser()]);
  channelId = start.grab(/demo mailbox\s+helpdesk@demo\.test\s+channel (\S+)/);
  smtpPort = Number(start.grab(/any SMTP client: 127\.0\.0\.1:(\d+)/));
});

after(async () => {
  await browser?.close();
  if (start) await interrupt(start);
  fs.rmSync(tmp, { recursive: true, force: true });
});

const signedIn = () => signedInPage(browser, `${start.hostUrl}/api/console/`, start.adminKey);

/** Clicks `refresh` until `check` holds (the host works in the background). */
async function until(page: Page, refresh: string, check: () => Promise<boolean>, what: string, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail(`${what} did not happen within ${timeoutMs} ms\n${start.out().slice(-3000)}`);
    await page.waitForTimeout(1000);
    await page.locator(refresh).click();
    await page.waitForFunction(() => !(globalThis as unknown as { document: { querySelector(s: string): unknown } }).document.querySelector('.loading'));
  }
}

test("a mail sent to the demo SMTP intake shows in monitoring's ledger and chart, and its acknowledgement in the sender's demo inbox", async () => {
  const subject = 'Chart: the projector in room 4 is dark';
  await sendTestMail({ port: smtpPort, from: 'erin@example.org', subject });
  const w = await signedIn();
  const { page } = w;

  await page.goto(`${start.hostUrl}/api/console/#/channels/${encodeURIComponent(channelId)}/messages`);
  await page.getByRole('heading', { name: 'Monitoring' }).waitFor();
  const ledgerRow = page.locator('#ledger tr', { hasText: subject });
  await until(page, '#refresh-ledger', async () => (await ledgerRow.count()) > 0 && /created/.test(await ledgerRow.innerText()), 'the mail in the ledger as created');
  // How the demo mailbox is read: Graph notifies this host, and the Inbox's subscription is live.
  const reading = page.locator('#mailbox-reading');
  await until(page, '#refresh-ledger', async () => /Inbox\s+active/.test(await reading.innerText()), "the Inbox's change notifications as active");
  assert.match(await reading.innerText(), /New mail is found by\s+Microsoft Graph change notifications, within seconds; and a sync every 15 minute\(s\)/);
  assert.match(await reading.locator('tbody tr').innerText(), /^Inbox\s+active\s+\S.*\s+—\s+—$/s, 'subscribed until, next renewal, no error, no retry');
  // The chart's text alternatives: the canvas label, the caption and the table count the same one mail.
  await until(page, '#refresh-ledger', async () => /1 mail\(s\) in this period: 1 created\./.test(await page.locator('figure.outcome-chart figcaption').innerText()), 'the chart counting the mail');
  assert.match((await page.locator('figure.outcome-chart canvas').getAttribute('aria-label')) ?? '', /Mails per outcome over time\. 1 mail\(s\) in this period: 1 created\./);
  assert.equal(await page.locator('figure.outcome-chart canvas').getAttribute('role'), 'img');
  await page.getByText('The figures as a table').click();
  const table = page.locator('#outcome-chart-table');
  assert.deepEqual(await table.locator('thead th').allInnerTexts(), ['Period from', 'created', 'Total']);
  assert.deepEqual((await table.locator('tbody tr').allInnerTexts()).map((r) => r.split('\t').slice(1)), [['1', '1']]);
  // Chart.js drew on the canvas (pixels other than transparent), and the other periods answer too.
  assert.ok(await page.locator('figure.outcome-chart canvas').evaluate((c) => (c as unknown as { width: number }).width > 0));
  await checkView(page, 'monitoring-chart');
  await page.getByLabel('Period', { exact: true }).selectOption('1h');
  await page.locator('figure.outcome-chart figcaption', { hasText: '1 created' }).waitFor();
  await page.getByLabel('Period', { exact: true }).selectOption('7d');
  await page.locator('figure.outcome-chart figcaption', { hasText: '1 created' }).waitFor();

  // The acknowledgement, in the sender's demo inbox (the navigation shows the entry because the demo answers).
  await page.getByRole('link', { name: 'Demo inbox' }).click();
  await page.getByRole('heading', { name: 'Demo inbox' }).waitFor();
  await page.getByLabel('Mailbox', { exact: true }).selectOption('erin@example.org');
  const ackRow = page.locator('#demo-messages tr', { hasText: `Re: ${subject}` });
  await until(page, '#refresh-demo', async () => (await ackRow.count()) > 0, 'the acknowledgement in erin@example.org');
  assert.match(await ackRow.innerText(), /helpdesk@demo\.test/);
  await checkView(page, 'demo-inbox');
  await ackRow.getByRole('link').click();
  await page.getByRole('heading', { name: new RegExp(`Re: ${subject}$`) }).waitFor();
  const body = page.locator('iframe.mail-frame, pre.mail-text');
  await body.first().waitFor();
  if (await page.locator('iframe.mail-frame').count()) {
    assert.equal(await page.locator('iframe.mail-frame').getAttribute('sandbox'), '');
    assert.match(await page.frameLocator('iframe.mail-frame').locator('body').innerText(), /\S/);
  } else {
    assert.match(await page.locator('pre.mail-text').innerText(), /\S/);
  }
  await checkView(page, 'demo-inbox-message');
  assertClean(w);
  await w.context.close();
});

test("the page's Send a test mail button sends through the demo SMTP intake: a ticket, and the acknowledgement in the sender's inbox", async () => {
  const w = await signedIn();
  const { page } = w;
  await page.getByRole('link', { name: 'Demo inbox' }).click();
  await page.getByRole('heading', { name: 'Demo inbox' }).waitFor();
  await page.getByLabel('From', { exact: true }).fill('frank@example.org');
  await page.getByLabel('Subject', { exact: true }).fill('Button: the scanner jams');
  await page.getByRole('button', { name: 'Send a test mail' }).click();
  await page.getByText('Sent to helpdesk@demo.test').waitFor();
  assert.equal(await page.getByLabel('Mailbox', { exact: true }).inputValue(), 'frank@example.org');
  assert.match(page.url(), /#\/demo\/frank%40example\.org$/);
  // The view looks again by itself for a while; Refresh helps past that.
  const ackRow = page.locator('#demo-messages tr', { hasText: 'Re: Button: the scanner jams' });
  await until(page, '#refresh-demo', async () => (await ackRow.count()) > 0, 'the acknowledgement in frank@example.org');
  const res = await fetch(`${start.hostUrl}/api/tickets?channelId=${encodeURIComponent(channelId)}`, { headers: { 'x-functions-key': start.adminKey } });
  assert.ok(((await res.json()) as { items: { title: string }[] }).items.some((t) => t.title === 'Button: the scanner jams'));
  assertClean(w);
  await w.context.close();
});

test('the demo inboxes on the host origin need the admin key', async () => {
  assert.equal((await fetch(`${start.hostUrl}/demo/mailboxes`)).status, 401);
  const ok = await fetch(`${start.hostUrl}/demo/mailboxes`, { headers: { 'x-functions-key': start.adminKey } });
  assert.equal(ok.status, 200);
  assert.ok(((await ok.json()) as { items: string[] }).items.includes('helpdesk@demo.test'));
});

test("the stats series counts per outcome in clock-aligned buckets, and a window of too many buckets is the API's 400 on bucketMinutes", async () => {
  const stats = async (q: string) => fetch(`${start.hostUrl}/api/channels/${encodeURIComponent(channelId)}/stats?${q}`, { headers: { 'x-functions-key': start.adminKey } });
  const since = new Date(Date.now() - 3 * 3600_000).toISOString();
  const ok = await stats(`since=${encodeURIComponent(since)}&bucketMinutes=60`);
  assert.equal(ok.status, 200);
  const body = (await ok.json()) as { byOutcome: Record<string, number>; series: { bucketMinutes: number; buckets: { start: string; counts: Record<string, number> }[] } };
  assert.equal(body.series.bucketMinutes, 60);
  assert.ok(body.series.buckets.length >= 4 && body.series.buckets.length <= 5);
  assert.ok(body.series.buckets.every((b) => b.start.endsWith(':00:00.000Z')));
  const created = body.series.buckets.reduce((n, b) => n + (b.counts.created ?? 0), 0);
  assert.equal(created, body.byOutcome.created, 'the series counts what the totals count');
  assert.equal(((await (await stats('')).json()) as { series?: unknown }).series, undefined, 'no series unless asked');
  const tooMany = await stats(`since=${encodeURIComponent(new Date(Date.now() - 10 * 86400_000).toISOString())}&bucketMinutes=1`);
  assert.equal(tooMany.status, 400);
  assert.deepEqual(((await tooMany.json()) as { issues: { path: string }[] }).issues.map((i) => i.path), ['bucketMinutes']);
});
