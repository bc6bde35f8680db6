import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { ADMIN_PAGE_CSP } from '../../../shared/admin-page/headers';
import { readPageFiles, type PageFile } from '../../../shared/admin-page/page-files';
import { acceptsGzip, pageAnswer } from '../../../shared/admin-page/serve';

const file = (body: string, contentType: string): PageFile => ({ body: Buffer.from(body), contentType, etag: `"${body.length}"` });
const files = new Map([
  ['index.html', file('<html></html>', 'text/html; charset=utf-8')],
  ['app.js', file('void 0', 'text/javascript; charset=utf-8')],
]);

test('the page and its files are served with the CSP, nosniff, no referrer, no framing, revalidated by ETag', () => {
  const a = pageAnswer(undefined, '/api/console/', null, files);
  assert.equal(a.status, 200);
  assert.equal(a.headers['content-type'], 'text/html; charset=utf-8');
  assert.equal(a.headers['content-security-policy'], ADMIN_PAGE_CSP);
  assert.equal(a.headers['x-content-type-options'], 'nosniff');
  assert.equal(a.headers['referrer-policy'], 'no-referrer');
  assert.equal(a.headers['x-frame-options'], 'DENY');
  assert.equal(a.headers['cache-control'], 'no-cache');
  assert.equal(pageAnswer('app.js', '/api/console/app.js', null, files).headers['content-type'], 'text/javascript; charset=utf-8');
  assert.equal(pageAnswer('app.js', '/api/console/app.js', '"6"', files).status, 304);
  assert.equal(pageAnswer('app.js', '/api/console/app.js', 'W/"6", "x"', files).status, 304);
  assert.equal(pageAnswer('app.js', '/api/console/app.js', '"5"', files).status, 200);
});

test('the CSP allows only the page’s own script, style sheets and API, inline style attributes (the mail frame inherits it), no frames of any origin, and forbids being framed', () => {
  const d = Object.fromEntries(ADMIN_PAGE_CSP.split('; ').map((p) => [p.split(' ')[0], p.split(' ').slice(1).join(' ')]));
  assert.equal(d['default-src'], "'none'");
  assert.equal(d['script-src'], "'self'");
  assert.equal(d['style-src'], "'self'");
  assert.equal(d['style-src-attr'], "'unsafe-inline'", 'style attributes only');
  assert.equal(d['style-src-elem'], undefined, 'style elements fall back to style-src: our own files');
  assert.equal(d['connect-src'], "'self'");
  assert.equal(d['img-src'], "'self' data:");
  assert.equal(d['frame-src'], "'none'");
  assert.equal(d['frame-ancestors'], "'none'");
  const { 'style-src-attr': _attr, ...rest } = d;
  assert.doesNotMatch(Object.values(rest).join(' '), /unsafe-|https?:|\*/);
});

test('/api/console redirects to /api/console/; unknown names and paths are 404; an unbuilt page says how to build it', () => {
  const r = pageAnswer(undefined, '/api/console', null, files);
  assert.equal(r.status, 308);
  assert.equal(r.headers.location, '/api/console/');
  assert.equal(pageAnswer('nope.js', '/api/console/nope.js', null, files).status, 404);
  assert.equal(pageAnswer('../host.json', '/api/host.json', null, files).status, 404);
  assert.equal(pageAnswer('x/index.html', '/api/console/x/index.html', null, files).status, 404);
  const unbuilt = pageAnswer(undefined, '/api/console/', null, new Map());
  assert.equal(unbuilt.status, 503);
  assert.match(String(unbuilt.body), /npm run build/);
});

test('only the built files with a known type are servable (the build stamp is not)', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'page-files-'));
  fs.writeFileSync(path.join(dir, 'index.html'), '<html></html>');
  fs.writeFileSync(path.join(dir, 'app.js'), 'void 0');
  fs.writeFileSync(path.join(dir, 'build-stamp.json'), '{}');
  fs.mkdirSync(path.join(dir, 'sub'));
  const read = readPageFiles(dir);
  assert.deepEqual([...read.keys()].sort(), ['app.js', 'index.html']);
  assert.match(read.get('app.js')?.etag ?? '', /^"[A-Za-z0-9_-]{27}"$/);
  assert.equal(readPageFiles(path.join(dir, 'missing')).size, 0);
});

test('text files go gzipped to clients that accept gzip, with their own ETag; others get the plain bytes', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'page-gzip-'));
  fs.writeFileSync(path.join(dir, 'app.js'), 'const a = 1;\n'.repeat(1000));
  const read = readPageFiles(dir);
  const plain = pageAnswer('app.js', '/api/console/app.js', null, read, null);
  const zipped = pageAnswer('app.js', '/api/console/app.js', null, read, 'gzip, deflate, br');
  assert.equal(plain.headers['content-encoding'], undefined);
  assert.equal(zipped.headers['content-encoding'], 'gzip');
  assert.equal(zipped.headers.vary, 'accept-encoding');
  assert.notEqual(zipped.headers.etag, plain.headers.etag);
  assert.ok((zipped.body as Buffer).length * 10 < (plain.body as Buffer).length, 'compressed');
  assert.equal(zlib.gunzipSync(zipped.body as Buffer).toString(), (plain.body as Buffer).toString());
  assert.equal(pageAnswer('app.js', '/api/console/app.js', zipped.headers.etag ?? '', read, 'gzip').status, 304);
  assert.equal(pageAnswer('app.js', '/api/console/app.js', zipped.headers.etag ?? '', read, null).status, 200, 'the gzip ETag does not validate the plain bytes');
  assert.equal(acceptsGzip('gzip;q=0, identity'), false);
  assert.equal(acceptsGzip('br;q=1.0, gzip;q=0.8'), true);
  assert.equal(acceptsGzip('*'), true);
  assert.equal(acceptsGzip(null), false);
});
