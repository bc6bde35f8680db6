import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { mailFrameDocument } from '../../admin-ui/src/mail-frame';
import { watchedPage, type Watched } from './browser';

/**
 * What every browser test of the admin page shares: signing in with the admin key, axe-core,
 * screenshots (UPDATE_SCREENSHOTS=1 writes docs/screenshots/) and the "nothing went wrong"
 * check over a watched page.
 */
const SCREENSHOTS = process.env.UPDATE_SCREENSHOTS === '1' ? path.resolve(__dirname, '../../docs/screenshots') : undefined;
const AXE_SOURCE = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

/** A watched page signed in to the admin page at `pageUrl` with the admin key, through the sign-in form. */
export async function signedInPage(browser: Browser, pageUrl: string, adminKey: string): Promise<Watched> {
  const w = await watchedPage(browser);
  await w.page.goto(pageUrl);
  await w.page.getByLabel('Admin key').fill(adminKey);
  await w.page.getByLabel('Admin key').press('Enter');
  await w.page.getByRole('heading', { name: 'Mail channels' }).waitFor();
  return w;
}

/** axe-core in the page (evaluated over DevTools, so the page's CSP stays as it is): serious or critical violations. */
export async function axeViolations(page: Page): Promise<string[]> {
  await page.evaluate(AXE_SOURCE);
  // A string, not a function: the tests are compiled without the DOM library.
  const result = (await page.evaluate(`axe.run(document, { resultTypes: ['violations'] }).then((r) =>
    r.violations.map((v) => ({ id: v.id, impact: v.impact, targets: v.nodes.map((n) => JSON.stringify(n.target)).slice(0, 3) })))`)) as { id: string; impact?: string; targets: string[] }[];
  return result.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id} (${v.impact}): ${v.targets.join(', ')}`);
}

/** With UPDATE_SCREENSHOTS=1, saves the page to docs/screenshots/{name}.png. */
export async function screenshot(page: Page, name: string): Promise<void> {
  if (!SCREENSHOTS) return;
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

/** Checks a loaded view with axe and, when asked to, saves its screenshot. */
export async function checkView(page: Page, name: string): Promise<void> {
  // Views show a spinner (class "loading") until their API calls are answered.
  // A function, not a string: a string would be eval'd in the page, which its CSP forbids.
  await page.waitForFunction(() => !(globalThis as unknown as { document: { querySelector(s: string): unknown } }).document.querySelector('.loading'));
  assert.deepEqual(await axeViolations(page), [], `axe on ${name}`);
  await screenshot(page, name);
}

/** Browser log lines that are the page working as meant: the API's own 4xx answers the page shows. */
export const expectedConsole = (line: string) => /^Failed to load resource: the server responded with a status of 4\d\d/.test(line);

/** No uncaught error, no unexpected console error, no CSP violation, no request to another host. */
export function assertClean(w: Watched): void {
  assert.deepEqual(w.pageErrors, [], 'uncaught errors');
  assert.deepEqual(w.consoleErrors.filter((l) => !expectedConsole(l)), [], 'console errors');
  assert.deepEqual(w.cspViolations, [], 'CSP violations');
  assert.deepEqual(w.foreignRequests, [], 'requests to other hosts');
}

/**
 * Appends a frame titled "probe" holding `rawHtml` as the views build it (views/mail-html.ts:
 * sandbox without allow-scripts, our srcdoc), for HTML no server sanitizer has seen.
 */
export async function appendProbeFrame(page: Page, rawHtml: string): Promise<void> {
  await page.evaluate(`(() => {
    const f = document.createElement('iframe');
    f.setAttribute('sandbox', '');
    f.setAttribute('title', 'probe');
    f.srcdoc = ${JSON.stringify(mailFrameDocument(rawHtml))};
    document.body.append(f);
  })()`);
}
