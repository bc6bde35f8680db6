import fs from 'node:fs';
import path from 'node:path';
import type { HttpHandler } from '@azure/functions';
import { pageFolder, readPageFiles, type PageFile } from './page-files';
import { pageAnswer } from './serve';

/**
 * GET /api/console/{*path}: the admin page. Public like any login page: it holds no data
 * and no secret; everything it shows comes from the admin API, which authenticates each
 * call. The files are read once per instance (a deployment restarts the instance); locally
 * they are read again when the build stamp changes, so a rebuild shows without a restart.
 */
let cache: { stamp: number; files: Map<string, PageFile> } | undefined;

function files(): Map<string, PageFile> {
  const folder = pageFolder();
  let stamp = -1;
  try {
    stamp = fs.statSync(path.join(folder, 'build-stamp.json')).mtimeMs;
  } catch {
    // not built: readPageFiles finds nothing, and the page says how to build it
  }
  if (!cache || cache.stamp !== stamp) cache = { stamp, files: readPageFiles(folder) };
  return cache.files;
}

/**
 * The page's route. Not `admin/...`: Azure Functions refuses HTTP routes that start with
 * "admin" (its own /admin API), whatever the route prefix.
 */
export const ADMIN_PAGE_ROUTE = { name: 'webAdminPage', route: 'console/{*path}', path: '/api/console/' } as const;

export const adminPageHandler: HttpHandler = async (request) => {
  const answer = pageAnswer(request.params.path, new URL(request.url).pathname, request.headers.get('if-none-match'), files(), request.headers.get('accept-encoding'));
  return { status: answer.status, headers: answer.headers, ...(answer.body !== undefined ? { body: answer.body } : {}) };
};
