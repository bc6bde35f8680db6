import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { ensureAdminUi } from '../../admin-ui/build';
import { ADMIN_PAGE_CSP } from '../../shared/admin-page/headers';
import { startTestStack, type TestStack } from '../support/stack';
import { type Dovecot, dovecotChannelInput, startDovecot } from '../support/dovecot';
import { api, eventually, ledger, publishChannel, tickets } from '../support/mail-e2e';
import { launchBrowser, watchedPage } from '../support/browser';
import { appendProbeFrame, assertClean, checkView, expectedConsole, signedInPage } from '../support/admin-page';

/**
 * The admin page in Debian's Chromium against the local host (Azurite, the Cosmos emulator,
 * a real Dovecot mailbox): an admin signs in with the key, creates a channel through the
 * seed's tabs, meets the API's validation error on the field it names, tests a sample mail,
 * publishes, and reads monitoring and tickets — including a mail full of script payloads,
 * which must run nothing and load nothing from anywhere. axe-core checks every view; with
 * UPDATE_SCREENSHOTS=1 the views are saved to docs/screenshots/.
 */
let stack: TestStack;
let dovecot: Dovecot;
let browser: Browser;
const USERS = [{ user: 'page1@example.com', password: 'page1-secret' }, { user: 'page2@example.com', password: 'page2-secret' }];

before(async () => {
  const [, dc] = await Promise.all([ensureAdminUi(), startDovecot({ users: USERS })]);
  dovecot = dc;
  [stack, browser] = await Promise.all([
    startTestStack({ trustCa: [dovecot.caCertPem], env: { MAILCHANNEL_TEST_FAULTS: JSON.stringify([{ point: 'before-decide', match: '[always-fails]', times: 100 }]) } }),
    launchBrowser(),
  ]);
});

after(async () => {
  await browser?.close();
  await stack?.stop();
  await dovecot?.stop();
});

const imapChannel = (u: { user: string; password: string }, name: string) => dovecotChannelInput(dovecot, u, name);

const pageUrl = () => `${stack.baseUrl}/api/console/`;

const signedIn = () => signedInPage(browser, pageUrl(), stack.adminKey);

test('the page is served with a CSP that allows no inline script, nosniff, no referrer, no framing, and revalidates by ETag', async () => {
  const page = await fetch(pageUrl());
  assert.equal(page.status, 200);
  assert.equal(page.headers.get('content-security-policy'), ADMIN_PAGE_CSP);
  assert.match(ADMIN_PAGE_CSP, /script-src 'self'(;|$)/);
  assert.equal(page.headers.get('x-content-type-options'), 'nosniff');
  assert.equal(page.headers.get('referrer-policy'), 'no-referrer');
  assert.equal(page.headers.get('x-frame-options'), 'DENY');
  assert.equal(page.headers.get('cache-control'), 'no-cache');
  const html = await page.text();
  assert.doesNotMatch(html, /<script(?![^>]*\bsrc=)[^>]*>/, 'no inline script element');
  const again = await fetch(`${stack.baseUrl}/api/console/app.js`, { headers: { 'if-none-match': (await fetch(`${stack.baseUrl}/api/console/app.js`)).headers.get('etag') ?? '' } });
  assert.equal(again.status, 304);
  const bare = await fetch(`${stack.baseUrl}/api/console`, { redirect: 'manual' });
  assert.equal(bare.status, 308);
  assert.equal(bare.headers.get('location'), '/api/console/');
  assert.equal((await fetch(`${stack.baseUrl}/api/console/../host.json`)).status, 404);
  assert.equal((await fetch(`${stack.baseUrl}/api/console/build-stamp.json`)).status, 404);
});

test('no HTTP route of the app starts with "admin" or "runtime", which Azure Functions keeps for itself (the page lives at /api/console/)', async () => {
  const res = await fetch(`${stack.baseUrl}/admin/functions`, { headers: { 'x-functions-key': stack.masterKey } });
  const functions = (await res.json()) as { name: string; bindings: Record<string, { type: string; route?: string }> }[];
  const routes = functions.flatMap((f) => Object.values(f.bindings).filter((b) => /^httpTrigger$/i.test(b.type)).map((b) => ({ name: f.name, route: b.route ?? f.name })));
  assert.ok(routes.some((r) => r.route === 'console/{*path}'));
  assert.deepEqual(routes.filter((r) => /^\/?(admin|runtime)/i.test(r.route)), []);
});

test('an admin creates a channel through the tabs, sees the API’s validation error on the field it names, then the saved secret only as "set"', async () => {
  const w = await signedIn();
  const { page } = w;
  await checkView(page, 'channels-list-empty');
  await page.getByRole('button', { name: 'New channel' }).click();
  await page.getByRole('heading', { name: 'New channel' }).waitFor();
  await page.getByLabel('Name', { exact: true }).fill('Desk through the page');
  await page.getByLabel('Host or IP').fill('127.0.0.1');
  await page.getByLabel('Port', { exact: true }).fill(String(dovecot.port));
  await page.getByLabel('TLS', { exact: true }).selectOption('starttls');
  await page.getByLabel('Username (mailbox address)').fill(USERS[0]!.user);
  await page.getByLabel('Password', { exact: true }).fill(USERS[0]!.password);
  await checkView(page, 'tab-connection');
  await page.getByRole('tab', { name: 'Folder Mapping' }).click();
  await page.getByLabel('Read folders (one per line)').fill('INBOX');
  await checkView(page, 'tab-folder-mapping');
  await page.getByRole('tab', { name: 'Domain Settings' }).click();
  await page.getByLabel(/Allowed sender domains/).fill('example.org\nnot a domain');
  await checkView(page, 'tab-domain-settings');
  await page.getByRole('tab', { name: 'Ticket Mapping' }).click();
  await page.getByLabel('Template', { exact: true }).selectOption('it-support');
  await checkView(page, 'tab-ticket-mapping');
  await page.getByRole('button', { name: 'Create channel' }).click();

  // The API's 400 names domains.allowed.1: its tab opens, marked, and the field says why.
  const domains = page.getByLabel(/Allowed sender domains/);
  await domains.waitFor();
  assert.equal(await domains.getAttribute('aria-invalid'), 'true');
  const describedBy = (await domains.getAttribute('aria-describedby')) ?? '';
  const message = await page.locator(`[id="${describedBy.split(' ').at(-1)}"]`).textContent();
  assert.match(message ?? '', /^line 2: must be a domain/);
  assert.match((await page.getByRole('tab', { name: /Domain Settings/ }).textContent()) ?? '', /1 problem/);
  assert.equal(await page.evaluate('document.activeElement && document.activeElement.id'), await domains.getAttribute('id'), 'focus is on the field to fix');
  await checkView(page, 'tab-domain-settings-error');

  await domains.fill('example.org');
  await page.getByRole('button', { name: 'Create channel' }).click();
  await page.getByRole('heading', { name: 'Desk through the page' }).waitFor();
  const created = (await api<{ items: { id: string; name: string; connection: { auth: { password: unknown } } }[] }>(stack, 'GET', 'channels')).body.items.find((c) => c.name === 'Desk through the page');
  assert.ok(created);
  assert.deepEqual(created.connection.auth.password, { isSet: true });
  // The password shows as "set" with a Replace action, never as a value.
  assert.equal(await page.locator('#field-connection-auth-password input').count(), 0);
  await page.getByRole('button', { name: 'Replace' }).click();
  assert.equal(await page.getByLabel('Password', { exact: true }).inputValue(), '');
  await checkView(page, 'channel-editor');

  // Unsaved changes are guarded: dismissing the question keeps the edit and the page.
  await page.getByLabel('Name', { exact: true }).fill('Renamed but not saved');
  page.once('dialog', (d) => void d.dismiss());
  await page.getByRole('link', { name: 'Channels' }).click();
  assert.equal(await page.getByLabel('Name', { exact: true }).inputValue(), 'Renamed but not saved');
  assertClean(w);
  await w.context.close();
});

test('keyboard only: the sign-in form refuses a wrong key; each view puts the focus on its heading, Tab goes on to the tabs, the arrow keys move between them and show their panels', async () => {
  const w = await watchedPage(browser);
  const { page } = w;
  await page.goto(pageUrl());
  await page.getByLabel('Admin key').waitFor();
  assert.equal(await page.evaluate('document.activeElement.id'), 'admin-key', 'the key field has the focus');
  await checkView(page, 'sign-in');
  await page.keyboard.type('not-the-key-000000000000');
  await page.keyboard.press('Enter');
  await page.getByText('That key is not valid.').waitFor();
  await page.getByLabel('Admin key').fill(stack.adminKey);
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { name: 'Mail channels' }).waitFor();
  assert.equal(await page.evaluate('document.activeElement.id'), 'page-title', 'a new view puts the focus on its heading');

  await page.goto(`${pageUrl()}#/channels/new`);
  await page.getByRole('heading', { name: 'New channel' }).waitFor();
  // From the heading, Tab goes on through the page in reading order: the tabs come first.
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate('document.activeElement.id'), 'tab-connection');
  await page.keyboard.press('ArrowRight');
  assert.equal(await page.evaluate('document.activeElement.id'), 'tab-folders');
  await page.getByLabel('Success folder').waitFor({ state: 'visible' });
  assert.equal(await page.getByLabel('Host or IP').isVisible(), false, 'the other panels are hidden');
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('ArrowRight');
  assert.equal(await page.evaluate('document.activeElement.id'), 'tab-ticket');
  await page.getByLabel('Template', { exact: true }).waitFor({ state: 'visible' });
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate('document.activeElement.id'), 'field-ticketMapping-templateId', 'Tab leaves the tab list into the panel');
  await checkView(page, 'new-channel-keyboard');
  assert.deepEqual(w.pageErrors, []);
  await w.context.close();
});

test('"Test connection" shows each stage: a wrong stored password fails at authentication with what to do; the right one typed in passes and fills the folder pickers', async () => {
  const u = USERS[1]!;
  const created = await api<{ id: string }>(stack, 'POST', 'channels', { ...imapChannel(u, 'Connection check'), connection: { ...imapChannel(u, '').connection, auth: { type: 'password', password: 'wrong-password' } } });
  assert.equal(created.status, 201);
  const w = await signedIn();
  const { page } = w;
  await page.goto(`${pageUrl()}#/channels/${created.body.id}`);
  await page.getByRole('heading', { name: 'Connection check' }).waitFor();
  await page.getByRole('button', { name: 'Test connection' }).click();
  const result = page.locator('#connection-test-result');
  await result.getByRole('heading', { name: /Connection test: failed at Authentication/ }).waitFor({ timeout: 60_000 });
  const failedText = (await result.textContent()) ?? '';
  assert.match(failedText, /What to do:/);
  assert.match(failedText, /The saved configuration/);
  assert.doesNotMatch(failedText, /wrong-password/, 'no secret in the answer');
  await checkView(page, 'connection-test-failed');

  await page.getByRole('button', { name: 'Replace' }).click();
  await page.getByLabel('Password', { exact: true }).fill(u.password);
  await page.getByRole('button', { name: 'Test connection' }).click();
  await result.getByRole('heading', { name: 'Connection test: passed' }).waitFor({ timeout: 60_000 });
  assert.match((await result.textContent()) ?? '', /The configuration in the form \(not saved\)/);
  await page.getByRole('tab', { name: 'Folder Mapping' }).click();
  const offered = await page.locator('#mailbox-folders option').evaluateAll((os) => os.map((o) => o.getAttribute('value')));
  assert.ok(offered.includes('INBOX'), `folders offered: ${offered.join(', ')}`);
  assert.equal(await page.getByLabel('Success folder').getAttribute('list'), 'mailbox-folders');
  await checkView(page, 'connection-test-passed');
  assertClean(w);
  await w.context.close();
});

test('"Test connection" fails at the stage that is wrong: a closed port at TCP, a certificate the app does not trust at TLS (with its subject and issuer)', async () => {
  const u = USERS[0]!;
  // A port nothing listens on: taken from a server that is closed again at once.
  const closedPort = await new Promise<number>((resolve) => {
    const probe = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
  // A second Dovecot: its self-signed certificate is not among the app's trusted CAs.
  const stranger = await startDovecot({ users: [u] });
  try {
    const wrongPort = await api<{ id: string }>(stack, 'POST', 'channels', { ...imapChannel(u, 'Wrong port'), connection: { ...imapChannel(u, '').connection, port: closedPort } });
    const untrusted = await api<{ id: string }>(stack, 'POST', 'channels', { ...imapChannel(u, 'Untrusted certificate'), connection: { ...imapChannel(u, '').connection, port: stranger.port } });
    assert.deepEqual([wrongPort.status, untrusted.status], [201, 201]);
    const w = await signedIn();
    const { page } = w;
    const result = page.locator('#connection-test-result');

    await page.goto(`${pageUrl()}#/channels/${wrongPort.body.id}`);
    await page.getByRole('heading', { name: 'Wrong port' }).waitFor();
    await page.getByRole('button', { name: 'Test connection' }).click();
    await result.getByRole('heading', { name: /Connection test: failed at TCP/ }).waitFor({ timeout: 60_000 });
    const tcpText = (await result.textContent()) ?? '';
    assert.match(tcpText, new RegExp(`port ${closedPort}`));
    assert.match(tcpText, /What to do:/);
    await checkView(page, 'connection-test-failed-tcp');

    await page.goto(`${pageUrl()}#/channels/${untrusted.body.id}`);
    await page.getByRole('heading', { name: 'Untrusted certificate' }).waitFor();
    await page.getByRole('button', { name: 'Test connection' }).click();
    await result.getByRole('heading', { name: /Connection test: failed at TLS/ }).waitFor({ timeout: 60_000 });
    const tlsText = (await result.textContent()) ?? '';
    assert.match(tlsText, /not trusted/);
    assert.match(tlsText, /CN=127\.0\.0\.1/, 'the certificate is named by its subject and issuer');
    assert.match(tlsText, /What to do:/);
    assert.doesNotMatch(tlsText, new RegExp(u.password), 'no secret in the answer');
    assert.equal(stranger.log().split('\n').filter((l) => l.includes('Login:')).length, 0, 'no credential went to the untrusted server');
    await checkView(page, 'connection-test-failed-tls');
    assertClean(w);
    await w.context.close();
  } finally {
    await stranger.stop();
  }
});

test('a sample mail uploaded in "Test with sample email" shows each stage’s decision and the ticket it would make', async () => {
  const id = await publishChannel(stack, { ...imapChannel(USERS[1]!, 'Dry-run desk'), domains: { allowed: ['example.org'] } });
  const w = await signedIn();
  const { page } = w;
  await page.goto(`${pageUrl()}#/channels/${id}/test`);
  await page.getByRole('heading', { name: 'Test with sample email' }).waitFor();
  const eml = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'eml-')), 'printer.eml');
  fs.writeFileSync(eml, 'From: Alice Example <alice@example.org>\r\nTo: desk@example.com\r\nSubject: Printer on floor 3 jams\r\nMessage-ID: <dry-1@example.org>\r\nDate: Mon, 1 Dec 2025 10:00:00 +0000\r\n\r\nIt jams on every page.\r\n');
  await page.getByLabel('Upload an .eml file').setInputFiles(eml);
  await page.getByRole('button', { name: 'Run the test' }).click();
  const result = page.locator('#dry-run-result');
  await result.getByRole('heading', { name: 'Result' }).waitFor();
  const text = (await result.textContent()) ?? '';
  assert.match(text, /created/);
  assert.match(text, /Printer on floor 3 jams/);
  assert.match(text, /Alice Example <alice@example.org>/);
  assert.match(text, /Processed/, 'the folder it would move to');
  const stages = await result.locator('table').first().locator('tbody tr').count();
  assert.ok(stages >= 3, `${stages} stages listed`);
  await checkView(page, 'test-with-sample-email');

  // A sender outside the allowed domains: rejected, with the stage and reason shown.
  await page.getByLabel('Upload an .eml file').setInputFiles([]);
  await page.getByLabel('or paste the raw mail').fill('From: eve@evil.test\r\nTo: desk@example.com\r\nSubject: Cheap watches\r\n\r\nBuy.\r\n');
  await page.getByRole('button', { name: 'Run the test' }).click();
  await result.getByText('SENDER_DOMAIN_NOT_ALLOWED').first().waitFor();
  assertClean(w);
  await w.context.close();
});

const HOSTILE_MAIL = [
  'From: "<img src=x onerror=window.__pwned=1;console.error(\'PWNED-name\')>" <mallory@example.org>',
  'To: "<script>window.__pwned=2</script>" <page1@example.com>',
  'Subject: <script>window.__pwned=3;console.error("PWNED-subject")</script><img src="http://tracker.example/s.png" onerror="window.__pwned=4">',
  'Message-ID: <xss-1@example.org>',
  'Date: Mon, 1 Dec 2025 10:00:00 +0000',
  'MIME-Version: 1.0',
  'Content-Type: multipart/mixed; boundary="b1"',
  '',
  '--b1',
  'Content-Type: text/html; charset=utf-8',
  '',
  '<p>Hello</p><script>window.parent.__pwned=5;console.error("PWNED-body")</script>',
  '<img src="http://tracker.example/pixel.gif" onerror="window.parent.__pwned=6">',
  '<a href="javascript:window.parent.__pwned=7">click</a><iframe src="http://evil.example/"></iframe>',
  '<style>body{background:url(http://tracker.example/bg.png)}</style><svg onload="window.parent.__pwned=8"></svg>',
  '--b1',
  'Content-Type: text/plain; name="\\"><img src=x onerror=window.__pwned=9>.txt"',
  'Content-Disposition: attachment; filename="\\"><img src=x onerror=window.__pwned=9>.txt"',
  '',
  'attachment',
  '--b1--',
  '',
].join('\r\n');

test('a mail with script payloads in subject, names, HTML body and attachment name runs no script and loads nothing in monitoring and ticket views', async () => {
  const u = USERS[0]!;
  const id = await publishChannel(stack, imapChannel(u, 'Hostile desk'));
  await stack.settle(30_000);
  await dovecot.append(u.user, 'INBOX', Buffer.from(HOSTILE_MAIL, 'utf8'));
  await dovecot.append(u.user, 'INBOX', Buffer.from('From: alice@example.org\r\nTo: page1@example.com\r\nSubject: [always-fails] disk full\r\nMessage-ID: <fail-1@example.org>\r\n\r\nDisk full.\r\n'));
  assert.equal((await api(stack, 'POST', `channels/${id}/sync`)).status, 202);
  await eventually(stack, async () => (await tickets(stack, id)).length === 1 && (await ledger(stack, id)).some((m) => m.outcome === 'failed'), 'the hostile mail becomes a ticket and the other one fails', 60_000);
  const ticket = (await tickets(stack, id))[0]!;
  // The channel list's "last 24 h" counts: /stats?since= counts only mail first attempted since then.
  const hourAgo = new Date(Date.now() - 3600_000).toISOString();
  const inAnHour = new Date(Date.now() + 3600_000).toISOString();
  const recent = await api<{ total: number; byOutcome: Record<string, number> }>(stack, 'GET', `channels/${id}/stats?since=${encodeURIComponent(hourAgo)}`);
  assert.deepEqual([recent.body.total, recent.body.byOutcome.created, recent.body.byOutcome.failed], [2, 1, 1]);
  assert.equal((await api<{ total: number }>(stack, 'GET', `channels/${id}/stats?since=${encodeURIComponent(inAnHour)}`)).body.total, 0);
  assert.equal((await api(stack, 'GET', `channels/${id}/stats?since=yesterday`)).status, 400);

  const w = await signedIn();
  const { page } = w;
  await checkView(page, 'channels-list');
  await page.goto(`${pageUrl()}#/channels/${id}/messages`);
  await page.getByRole('heading', { name: 'Monitoring' }).waitFor();
  await page.locator('#ledger table').waitFor();
  assert.match((await page.locator('#ledger').textContent()) ?? '', /<script>window.__pwned=3/, 'the subject shows as text');
  await checkView(page, 'monitoring');
  await page.getByLabel('Outcome', { exact: true }).selectOption('failed');
  await page.locator('#ledger').getByText('[always-fails] disk full').waitFor();
  await page.getByLabel('Search sender or subject').fill('no such mail');
  await page.locator('#ledger').getByText('No mail matches the search.').waitFor();
  await page.getByLabel('Search sender or subject').fill('disk');
  await page.locator('#ledger').getByRole('link', { name: '[always-fails] disk full' }).click();
  await page.getByRole('heading', { name: 'Stage trail' }).waitFor();
  await checkView(page, 'monitoring-mail');
  await page.getByRole('button', { name: 'Retry' }).click();
  await page.getByText('Queued for another run').waitFor();

  await page.goto(`${pageUrl()}#/channels/${id}/messages`);
  await page.locator('#ledger').getByRole('link', { name: /__pwned=3/ }).click();
  await page.getByRole('heading', { name: 'Stage trail' }).waitFor();
  await page.goto(`${pageUrl()}#/tickets/${encodeURIComponent(ticket.id)}`);
  const frame = page.locator('iframe.mail-frame');
  await frame.waitFor();
  assert.equal(await frame.getAttribute('sandbox'), '', 'sandboxed without allow-scripts');
  assert.match((await page.locator('main').textContent()) ?? '', /onerror=window.__pwned=9>\.txt/, 'the attachment name shows as text');
  // The original mail downloads as it was received (with the key: a plain link would not carry it).
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download .eml' }).click()]);
  const saved = await download.path();
  assert.match(fs.readFileSync(saved, 'utf8'), /Message-ID: <xss-1@example\.org>/);
  await page.waitForTimeout(500);
  await checkView(page, 'ticket');
  await page.goto(`${pageUrl()}#/tickets`);
  await page.getByRole('link', { name: /__pwned=3/ }).waitFor();
  await checkView(page, 'tickets');

  assert.equal(await page.evaluate('window.__pwned'), undefined, 'no payload ran');
  assert.deepEqual(w.consoleErrors.filter((l) => /PWNED/.test(l)), []);
  assert.deepEqual(w.pageErrors, []);
  assert.deepEqual(w.foreignRequests, [], 'no request left for another host');
  assert.deepEqual(w.consoleErrors.filter((l) => !expectedConsole(l) && !/Content Security Policy/.test(l)), [], 'console errors');
  await w.context.close();
});

test('the mail frame itself runs no script and loads nothing, even for HTML the server’s sanitizer never saw', async () => {
  const w = await signedIn();
  const { page } = w;
  const raw = [
    '<script>console.error("PWNED-frame-script")</script>',
    '<img src="x" onerror="console.error(\'PWNED-frame-onerror\')">',
    '<img src="http://tracker.example/pixel.gif"><link rel="stylesheet" href="http://tracker.example/s.css">',
    '<iframe src="http://evil.example/"></iframe><object data="http://evil.example/x.swf"></object>',
    '<form action="http://evil.example/"><button id="go">go</button></form>',
    '<meta http-equiv="refresh" content="0;url=http://evil.example/refresh">',
    '<p id="visible">Hello from the mail</p>',
  ].join('');
  await appendProbeFrame(page, raw);
  const frame = page.frameLocator('iframe[title="probe"]');
  await frame.locator('#visible').waitFor();
  await frame.locator('#go').click({ timeout: 5000 }).catch(() => undefined);
  await page.waitForTimeout(1500);
  assert.deepEqual(w.consoleErrors.filter((l) => /PWNED/.test(l)), [], 'no script ran in the frame');
  assert.deepEqual(w.foreignRequests, [], 'nothing was requested from another host');
  assert.equal(await frame.locator('#visible').textContent(), 'Hello from the mail', 'the frame was not navigated away');
  await w.context.close();
});

test('publishing asks first, saying what it does, then the channel is published and its template locked; pausing asks too', async () => {
  const created = await api<{ id: string }>(stack, 'POST', 'channels', imapChannel(USERS[1]!, 'Publish me'));
  assert.equal(created.status, 201);
  const w = await signedIn();
  const { page } = w;
  await page.goto(`${pageUrl()}#/channels/${created.body.id}`);
  await page.getByRole('button', { name: 'Publish…' }).click();
  // The component's <dialog> (in its shadow root) carries the name; its content is the light DOM of the host.
  await page.getByRole('dialog', { name: 'Publish this channel?' }).waitFor();
  const dialog = page.locator('#confirm-publish');
  const text = (await dialog.textContent()) ?? '';
  assert.match(text, /silent offer/);
  assert.match(text, /"Processed" and "Failed"/);
  assert.match(text, /first sync/);
  assert.match(text, /can no longer be changed/);
  await checkView(page, 'publish-confirmation');
  await dialog.getByRole('button', { name: 'Publish', exact: true }).click();
  await page.getByRole('button', { name: 'Pause…' }).waitFor();
  assert.equal((await api<{ status: string }>(stack, 'GET', `channels/${created.body.id}`)).body.status, 'published');
  // The template is locked now, with the reason.
  await page.getByRole('tab', { name: 'Ticket Mapping' }).click();
  assert.equal(await page.getByLabel('Template', { exact: true }).isDisabled(), true);
  await page.getByText(/The template is locked/).waitFor();

  await page.getByRole('button', { name: 'Pause…' }).click();
  await page.getByRole('dialog', { name: 'Pause this channel?' }).waitFor();
  assert.match((await page.locator('#confirm-pause').textContent()) ?? '', /new mail stays where it is/);
  await page.locator('#confirm-pause').getByRole('button', { name: 'Pause', exact: true }).click();
  await page.getByRole('button', { name: 'Publish…' }).waitFor();
  assert.equal((await api<{ status: string }>(stack, 'GET', `channels/${created.body.id}`)).body.status, 'paused');
  assertClean(w);
  await w.context.close();
});
