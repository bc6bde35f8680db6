import tls from 'node:tls';
import { Agent, fetch as undiciFetch } from 'undici';
import type { GraphSimulator } from './index';

/**
 * A user at the simulator's consent page without a browser: opens the authorization URL (the
 * page must offer "Accept"), then submits the form as the Accept button does, and returns where
 * the simulator redirects (the app's redirect URL with `code` and `state`, or an error).
 */
export async function answerConsent(sim: GraphSimulator, authorizationUrl: string, user: string, decision: 'accept' | 'cancel' = 'accept'): Promise<URL> {
  const dispatcher = new Agent({ connect: { ca: [...tls.rootCertificates, sim.caCertPem] } });
  try {
    const page = await undiciFetch(authorizationUrl, { dispatcher, redirect: 'manual' });
    const html = await page.text();
    if (page.status !== 200 || !html.includes('value="accept"')) throw new Error(`no consent page: HTTP ${page.status} ${html.slice(0, 300)}`);
    const url = new URL(authorizationUrl);
    const form = new URLSearchParams(url.searchParams);
    form.set('login_hint', user);
    form.set('decision', decision);
    const answer = await undiciFetch(`${url.origin}${url.pathname}`, { method: 'POST', dispatcher, redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form.toString() });
    const location = answer.headers.get('location');
    if (answer.status !== 302 || !location) throw new Error(`consent answered HTTP ${answer.status}: ${await answer.text()}`);
    return new URL(location);
  } finally {
    await dispatcher.close();
  }
}
