import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser } from 'playwright-core';
import { ensureAdminUi } from '../../admin-ui/build';
import { ADMIN_PAGE_CSP } from '../../shared/admin-page/headers';
import { resetSettingsCache } from '../../shared/config/settings';
import { resetCosmosClient } from '../../shared/store/cosmos';
import { createTicket } from '../../shared/tickets/tickets';
import { launchBrowser, type Watched } from '../support/browser';
import { appendProbeFrame, signedInPage } from '../support/admin-page';
import { startTestStack, type TestStack } from '../support/stack';

/**
 * A mail's HTML in the admin page keeps its inline styles and nothing else: in Debian's
 * Chromium against the local host, a ticket whose description is red shows red inside the
 * sandboxed frame, while a script does not run and an image or a CSS background pointing
 * at a listener on this machine is never requested (the listener counts requests; loopback
 * requests are not aborted by the watched page, so only the CSP can stop them).
 */
let stack: TestStack;
let browser: Browser;
let listener: http.Server;
const hits: string[] = [];
let bait = '';

before(async () => {
  listener = http.createServer((req, res) => {
    hits.push(req.url ?? '');
    res.writeHead(200, { 'content-type': 'image/gif' }).end();
  });
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  bait = `http://127.0.0.1:${(listener.address() as AddressInfo).port}`;
  await ensureAdminUi();
  [stack, browser] = await Promise.all([startTestStack(), launchBrowser()]);
  // this process writes the ticket straight into the stack's Cosmos, as an agent's tool would through the ticketing side
  Object.assign(process.env, { COSMOS_ENDPOINT: stack.env.COSMOS_ENDPOINT, COSMOS_KEY: stack.env.COSMOS_KEY, COSMOS_DATABASE: stack.env.COSMOS_DATABASE, AzureWebJobsStorage: stack.env.AzureWebJobsStorage });
  resetSettingsCache();
  resetCosmosClient();
});

after(async () => {
  resetCosmosClient();
  await browser?.close();
  await stack?.stop();
  await new Promise((resolve) => listener?.close(resolve));
});

const pageUrl = () => `${stack.baseUrl}/api/console/`;

const signedIn = () => signedInPage(browser, pageUrl(), stack.adminKey);

/** This file is compiled without the DOM library: the browser's getComputedStyle, typed here. */
type InBrowser = { getComputedStyle(el: unknown): { color: string } };
const computedColour = (el: unknown) => (globalThis as unknown as InBrowser).getComputedStyle(el).color;

const colourOf = (w: Watched, frameSelector: string, selector: string) => w.page.frameLocator(frameSelector).locator(selector).first().evaluate(computedColour);

test('the page’s CSP is as stated: inline style attributes allowed, nothing else inline; a <style> element added to the page is refused', async () => {
  const res = await fetch(pageUrl());
  assert.equal(res.headers.get('content-security-policy'), ADMIN_PAGE_CSP);
  assert.match(ADMIN_PAGE_CSP, /(^|; )style-src 'self'(;|$)/);
  assert.match(ADMIN_PAGE_CSP, /(^|; )style-src-attr 'unsafe-inline'(;|$)/);
  assert.match(ADMIN_PAGE_CSP, /(^|; )script-src 'self'(;|$)/);

  const w = await signedIn();
  // DevTools evaluation is not subject to the page's CSP, the style element it adds is.
  await w.page.evaluate(`(() => { const s = document.createElement('style'); s.textContent = 'h1 { color: rgb(0, 128, 0) !important }'; document.head.append(s); })()`);
  await w.page.waitForTimeout(300);
  assert.notEqual(await w.page.locator('h1').first().evaluate(computedColour), 'rgb(0, 128, 0)', 'the injected style sheet was not applied');
  assert.ok(w.cspViolations.some((v) => /style-src-elem blocked inline/.test(v)), `a style-src-elem violation: ${JSON.stringify(w.cspViolations)}`);
  await w.context.close();
});

test('a ticket’s HTML description shows its inline colour inside the sandboxed frame; its remote image is not loaded (the listener sees zero requests) and the CSP refusal is reported', async () => {
  hits.length = 0;
  const { ticket } = await createTicket({
    id: `styled-${Date.now()}`,
    templateId: 'it-support',
    title: 'Styled mail',
    description: {
      text: 'Red text',
      html: `<p style="color: rgb(255,0,0)">Red text</p><p>Plain text</p><img src="${bait}/ticket-pixel.gif" alt="pixel"><script>console.error('PWNED-ticket')</script>`,
    },
    requester: { email: 'erin@example.org' },
  });
  assert.match(ticket.description.html ?? '', /style="color:rgb\(255,0,0\)"/, 'the stored HTML keeps the colour');

  const w = await signedIn();
  await w.page.goto(`${pageUrl()}#/tickets/${encodeURIComponent(ticket.id)}`);
  const frame = 'iframe.mail-frame';
  await w.page.frameLocator(frame).getByText('Red text').waitFor();
  assert.equal(await w.page.locator(frame).getAttribute('sandbox'), '', 'sandboxed, no allow-scripts');
  assert.equal(await colourOf(w, frame, 'p'), 'rgb(255, 0, 0)', 'the mail’s inline style applies');
  assert.equal(await colourOf(w, frame, 'p:nth-of-type(2)'), 'rgb(0, 0, 0)');
  await w.page.waitForTimeout(1000);
  assert.deepEqual(hits, [], 'no request reached the listener');
  assert.deepEqual(w.pageErrors, []);
  assert.ok(w.consoleErrors.some((l) => l.includes(`${bait}/ticket-pixel.gif`) && /img-src/.test(l)), `the refused image is reported: ${JSON.stringify(w.consoleErrors)}`);
  assert.deepEqual(w.consoleErrors.filter((l) => /PWNED|inline style/i.test(l)), [], 'no script ran and no style attribute was refused');
  await w.context.close();
});

test('the frame’s own guarantees hold with styles allowed, for HTML no sanitizer saw: a script does not run, images, CSS backgrounds, style sheets and forms reach nothing; inline colour applies', async () => {
  hits.length = 0;
  const w = await signedIn();
  const raw = [
    '<p id="red" style="color: rgb(255,0,0)">Red text</p>',
    `<script>console.error('PWNED-script'); fetch('${bait}/fetch')</script>`,
    `<img src="${bait}/img.gif" onerror="console.error('PWNED-onerror')">`,
    `<div id="bg" style="background-image: url(${bait}/bg.gif); width: 20px; height: 20px">bg</div>`,
    `<link rel="stylesheet" href="${bait}/sheet.css"><style>@import url(${bait}/import.css); #red { color: rgb(0, 0, 255) !important }</style>`,
    `<form action="${bait}/form"><button id="go">go</button></form>`,
  ].join('');
  await appendProbeFrame(w.page, raw);
  const frame = 'iframe[title="probe"]';
  await w.page.frameLocator(frame).locator('#red').waitFor();
  await w.page.frameLocator(frame).locator('#go').click({ timeout: 5000 }).catch(() => undefined);
  await w.page.waitForTimeout(1500);
  assert.equal(await colourOf(w, frame, '#red'), 'rgb(255, 0, 0)', 'the style attribute applies; the <style> element does not');
  assert.deepEqual(hits, [], 'no request reached the listener');
  assert.deepEqual(w.consoleErrors.filter((l) => /PWNED/.test(l)), [], 'no script ran');
  assert.ok(w.consoleErrors.some((l) => /Blocked script execution in 'about:srcdoc'.*sandboxed/.test(l)), `the sandbox refused the script: ${JSON.stringify(w.consoleErrors)}`);
  for (const what of ['/img.gif', '/bg.gif', '/sheet.css']) {
    assert.ok(w.consoleErrors.some((l) => l.includes(`${bait}${what}`) && /Content Security Policy/.test(l)), `the CSP refused ${what}: ${JSON.stringify(w.consoleErrors)}`);
  }
  assert.equal(await w.page.frameLocator(frame).locator('#red').textContent(), 'Red text', 'the frame was not navigated away');
  await w.context.close();
});
