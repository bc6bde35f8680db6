import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

/**
 * Debian's Chromium driven by playwright-core, for the admin page's browser tests. Every
 * page records what must never happen on the admin page: an uncaught error, a console
 * error, a Content-Security-Policy violation, and any request to a host that is not the
 * local one (such requests are also aborted, so nothing ever leaves the machine).
 */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export interface Watched {
  page: Page;
  context: BrowserContext;
  pageErrors: string[];
  consoleErrors: string[];
  cspViolations: string[];
  /** Requests for any host but 127.0.0.1 / localhost (aborted). */
  foreignRequests: string[];
}

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'], headless: true });
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

export async function watchedPage(browser: Browser, opts: { viewport?: { width: number; height: number }; ignoreHTTPSErrors?: boolean } = {}): Promise<Watched> {
  // ignoreHTTPSErrors: for a local https stand-in with a test CA (the Entra simulator's sign-in pages), never for the app.
  const context = await browser.newContext({ viewport: opts.viewport ?? { width: 1366, height: 900 }, ...(opts.ignoreHTTPSErrors ? { ignoreHTTPSErrors: true } : {}) });
  const w: Omit<Watched, 'page'> = { context, pageErrors: [], consoleErrors: [], cspViolations: [], foreignRequests: [] };
  await context.route('**/*', async (route) => {
    const url = new URL(route.request().url());
    if ((url.protocol === 'http:' || url.protocol === 'https:' || url.protocol === 'ws:' || url.protocol === 'wss:') && !LOOPBACK.has(url.hostname)) {
      w.foreignRequests.push(url.href);
      await route.abort('blockedbyclient');
      return;
    }
    await route.continue();
  });
  // A CSP violation is reported to the page as an event; collect it from every frame.
  await context.addInitScript({
    content: "document.addEventListener('securitypolicyviolation', (e) => console.error('CSP violation: ' + e.violatedDirective + ' blocked ' + (e.blockedURI || '(inline)')));",
  });
  const page = await context.newPage();
  page.on('pageerror', (err) => w.pageErrors.push(err.message));
  page.on('console', (msg) => {
    if (msg.type() !== 'error') return;
    const text = msg.text();
    if (text.startsWith('CSP violation')) w.cspViolations.push(text);
    else w.consoleErrors.push(text);
  });
  return { page, ...w };
}
