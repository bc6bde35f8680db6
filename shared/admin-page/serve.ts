import type { PageFile } from './page-files';
import { ADMIN_PAGE_SECURITY_HEADERS } from './headers';

/**
 * Which answer a request for the admin page gets. Pure: the requested path (the route's
 * catch-all), the request URL's path, If-None-Match and the built files in; status, headers
 * and body out.
 *
 * - `/api/console` → 308 to `/api/console/`, so the page's relative URLs (app.js, and the API
 *   at ../) resolve under it;
 * - `` or `index.html` → the page; a known file name → that file; anything else → 404
 *   (views are hash routes, so no other path is ever the page);
 * - text files go gzipped to clients that accept it (Vary: Accept-Encoding, an ETag per coding);
 * - every answer revalidates (`no-cache` + a content ETag → 304): file names carry no hash,
 *   and a deployment must never leave a browser on a stale bundle.
 */
export interface PageAnswer {
  status: number;
  headers: Record<string, string>;
  body?: Buffer | string;
}

export const ADMIN_PAGE_INDEX = 'index.html';

/** Whether an Accept-Encoding header accepts gzip (a q=0 refuses it). */
export function acceptsGzip(acceptEncoding: string | null): boolean {
  for (const part of (acceptEncoding ?? '').split(',')) {
    const [coding, ...params] = part.split(';').map((s) => s.trim().toLowerCase());
    if (coding !== 'gzip' && coding !== '*') continue;
    const q = params.find((p) => p.startsWith('q='));
    return q === undefined || Number(q.slice(2)) > 0;
  }
  return false;
}

export function pageAnswer(requested: string | undefined, urlPath: string, ifNoneMatch: string | null, files: ReadonlyMap<string, PageFile>, acceptEncoding: string | null = null): PageAnswer {
  const name = requested === undefined || requested === '' ? ADMIN_PAGE_INDEX : requested;
  if (name === ADMIN_PAGE_INDEX && (requested ?? '') === '' && !urlPath.endsWith('/')) {
    return { status: 308, headers: { ...ADMIN_PAGE_SECURITY_HEADERS, location: `${urlPath}/`, 'cache-control': 'no-store' } };
  }
  if (files.size === 0) {
    return {
      status: 503,
      headers: { ...ADMIN_PAGE_SECURITY_HEADERS, 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' },
      body: 'The admin page is not built: run `npm run build` (npm start builds it too).\n',
    };
  }
  const file = files.get(name);
  if (!file) {
    return { status: 404, headers: { ...ADMIN_PAGE_SECURITY_HEADERS, 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' }, body: 'Not found\n' };
  }
  const gzip = file.gzip && acceptsGzip(acceptEncoding) ? file.gzip : undefined;
  // Each representation has its own strong ETag (RFC 9110 §8.8.3: the coding is part of it).
  const etag = gzip ? `${file.etag.slice(0, -1)}-gz"` : file.etag;
  const headers: Record<string, string> = {
    ...ADMIN_PAGE_SECURITY_HEADERS,
    'content-type': file.contentType,
    'cache-control': 'no-cache',
    etag,
    ...(file.gzip ? { vary: 'accept-encoding' } : {}),
    ...(gzip ? { 'content-encoding': 'gzip' } : {}),
  };
  if (ifNoneMatch !== null && ifNoneMatch.split(',').some((t) => t.trim() === etag || t.trim() === `W/${etag}` || t.trim() === '*')) {
    return { status: 304, headers };
  }
  return { status: 200, headers, body: gzip ?? file.body };
}
