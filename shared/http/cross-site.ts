import type { HeaderReader } from './admin-auth';

/**
 * Cross-site request forgery at the admin API's edge. Signed-in browsers carry the App
 * Service Authentication cookie to every request for the site, including a form another
 * site submits. A state change is therefore accepted only when a browser could not have
 * sent it cross-site without the API's consent (a CORS preflight, which it never grants):
 *
 * 1. When the browser says where the request comes from, it must be this site:
 *    `Sec-Fetch-Site` is `same-origin` (or `none`: typed by the user), and `Origin`, when
 *    present, names this host.
 * 2. A POST — the one state-changing method a form or a no-cors fetch can use — must be a
 *    non-simple request: a Content-Type a form cannot send (e.g. `application/json`,
 *    `message/rfc822`), or one of the headers a form cannot set: `X-Requested-With`
 *    (any value; the documented one for bodiless POSTs), `x-functions-key` or `Authorization`
 *    (API-key callers such as curl qualify by the key header they send anyway).
 *    PUT, PATCH and DELETE are never simple, so rule 2 holds for them by construction.
 *
 * Pure: method, headers and the request URL in; undefined (accepted) or the reason out.
 */
export const CSRF_HEADER = 'X-Requested-With';

const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
/** The Content-Types a form or a no-cors fetch may send (the CORS-safelisted ones). */
const SIMPLE_CONTENT_TYPES = new Set(['application/x-www-form-urlencoded', 'multipart/form-data', 'text/plain']);
/** Headers a cross-site form cannot send (any of them makes the request non-simple). */
const NON_SIMPLE_HEADERS = [CSRF_HEADER.toLowerCase(), 'x-functions-key', 'authorization'];
const SAFE_FETCH_SITES = new Set(['same-origin', 'none']);

export function isStateChanging(method: string): boolean {
  return STATE_CHANGING.has(method.toUpperCase());
}

/** Why the request must be refused as possibly cross-site; undefined when it may proceed. */
export function crossSiteRefusal(method: string, headers: HeaderReader, requestUrl: string): string | undefined {
  const m = method.toUpperCase();
  if (!isStateChanging(m)) return undefined;

  const fetchSite = headers.get('sec-fetch-site')?.trim().toLowerCase();
  if (fetchSite && !SAFE_FETCH_SITES.has(fetchSite)) return `a ${fetchSite} request may not change anything (Sec-Fetch-Site: ${fetchSite}); use the admin page of this site`;

  const origin = headers.get('origin')?.trim();
  if (origin && !ownHosts(headers, requestUrl).has(hostOf(origin) ?? '')) {
    return `a request from another site may not change anything (Origin ${origin.slice(0, 100)} is not this site)`;
  }

  if (m !== 'POST') return undefined;
  const type = (headers.get('content-type') ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  if (type !== '' && !SIMPLE_CONTENT_TYPES.has(type)) return undefined;
  if (NON_SIMPLE_HEADERS.some((h) => (headers.get(h) ?? '').trim() !== '')) return undefined;
  return `a POST that changes state must not look like a form submission: send the header ${CSRF_HEADER} (any value), or a body with its own type (e.g. Content-Type: application/json)${type ? `, not ${type}` : ''}`;
}

/** `host[:port]` of a URL, without the scheme's default port; undefined for `null` or garbage. */
function hostOf(url: string): string | undefined {
  try {
    const u = new URL(url);
    return u.host === '' ? undefined : u.host.toLowerCase();
  } catch {
    return undefined;
  }
}

/**
 * The names this site is reached by: the request URL's host, the Host header, and the
 * first X-Forwarded-Host (a front end that rewrites Host). None of them can be set by a
 * cross-site form, and the Origin is compared by host only, as TLS may end in front of us.
 */
function ownHosts(headers: HeaderReader, requestUrl: string): Set<string> {
  const hosts = new Set<string>();
  const add = (h: string | undefined) => {
    if (!h) return;
    for (const scheme of ['https', 'http']) {
      const host = hostOf(`${scheme}://${h}`);
      if (host) hosts.add(host);
    }
  };
  add(hostOf(requestUrl));
  add(headers.get('host')?.trim());
  add(headers.get('x-forwarded-host')?.split(',')[0]?.trim());
  return hosts;
}
