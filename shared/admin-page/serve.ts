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
 * - every answer revalidates (`no-cache` + a content ETag → 304): file names carry no hash,
 *   and a deployment must never leave a browser on a stale bundle.
 */
export interface PageAnswer {
  status: number;
  headers: Record<string, string>;
  body?: Buffer | string;
}

export const ADMIN_PAGE_INDEX = 'index.html';

export function pageAnswer(requested: string | undefined, urlPath: string, ifNoneMatch: string | null, files: ReadonlyMap<string, PageFile>): PageAnswer {
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
  const headers = { ...ADMIN_PAGE_SECURITY_HEADERS, 'content-type': file.contentType, 'cache-control': 'no-cache', etag: file.etag };
  if (ifNoneMatch !== null && ifNoneMatch.split(',').some((t) => t.trim() === file.etag || t.trim() === `W/${file.etag}` || t.trim() === '*')) {
    return { status: 304, headers };
  }
  return { status: 200, headers, body: file.body };
}
