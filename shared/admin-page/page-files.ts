import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';

/**
 * The built admin page (dist/web/, made by admin-ui/build.ts), read once into memory:
 * a handful of small files, each with its content type and a content hash as ETag. Only
 * these files are ever served; a request names one of them or nothing.
 */
export interface PageFile {
  body: Buffer;
  contentType: string;
  etag: string;
  /** The body gzipped once at load, for clients that accept it (the bundle: 160 KB → 46 KB). */
  gzip?: Buffer;
}

/** Types worth compressing (text); images are compressed already. */
const COMPRESSIBLE = /^(text\/|image\/svg)/;

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
};

/** The app root: the nearest folder up from here with host.json (the repo locally, wwwroot in Azure). */
export function appRoot(from = __dirname): string {
  let dir = from;
  for (;;) {
    if (fs.existsSync(path.join(dir, 'host.json'))) return dir;
    const up = path.dirname(dir);
    if (up === dir) throw new Error(`no host.json above ${from}`);
    dir = up;
  }
}

export function pageFolder(): string {
  return path.join(appRoot(), 'dist', 'web');
}

/** The servable files of a folder (flat: the build writes no sub-folders), by name. */
export function readPageFiles(folder: string): Map<string, PageFile> {
  const files = new Map<string, PageFile>();
  if (!fs.existsSync(folder)) return files;
  for (const entry of fs.readdirSync(folder, { withFileTypes: true })) {
    const type = CONTENT_TYPES[path.extname(entry.name).toLowerCase()];
    if (!entry.isFile() || !type) continue;
    const body = fs.readFileSync(path.join(folder, entry.name));
    files.set(entry.name, {
      body,
      contentType: type,
      etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`,
      ...(COMPRESSIBLE.test(type) && body.length > 1024 ? { gzip: zlib.gzipSync(body, { level: 9 }) } : {}),
    });
  }
  return files;
}
