/**
 * Hash routes (#/channels/ID/...): every page is the same index.html, so the function app
 * serves a fixed set of files and no path of the page reaches the API.
 */
export type Route =
  | { view: 'channels' }
  | { view: 'newChannel' }
  | { view: 'channel'; id: string; tab?: string }
  | { view: 'dryRun'; id: string }
  | { view: 'signIn'; id: string }
  | { view: 'messages'; id: string }
  | { view: 'message'; id: string; key: string }
  | { view: 'demo'; address?: string }
  | { view: 'demoMessage'; address: string; id: string }
  | { view: 'tickets' }
  | { view: 'ticket'; id: string }
  | { view: 'notFound'; path: string };

export function parseRoute(hash: string): Route {
  const path = hash.replace(/^#/, '');
  const parts = path.split('/').filter((p) => p !== '').map((p) => decodeURIComponent(p));
  const [a, b, c, d] = parts;
  if (parts.length === 0 || (a === 'channels' && parts.length === 1)) return { view: 'channels' };
  if (a === 'channels' && b === 'new' && parts.length === 2) return { view: 'newChannel' };
  if (a === 'channels' && b) {
    if (parts.length === 2) return { view: 'channel', id: b };
    if (c === 'tab' && d && parts.length === 4) return { view: 'channel', id: b, tab: d };
    if (c === 'test' && parts.length === 3) return { view: 'dryRun', id: b };
    if (c === 'sign-in' && parts.length === 3) return { view: 'signIn', id: b };
    if (c === 'messages' && parts.length === 3) return { view: 'messages', id: b };
    if (c === 'messages' && d && parts.length === 4) return { view: 'message', id: b, key: d };
  }
  if (a === 'demo' && parts.length <= 3) return c ? { view: 'demoMessage', address: b ?? '', id: c } : { view: 'demo', address: b };
  if (a === 'tickets' && parts.length === 1) return { view: 'tickets' };
  if (a === 'tickets' && b && parts.length === 2) return { view: 'ticket', id: b };
  return { view: 'notFound', path };
}

export function href(...parts: string[]): string {
  return '#/' + parts.map(encodeURIComponent).join('/');
}
