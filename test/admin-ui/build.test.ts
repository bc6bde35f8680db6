import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { adminUiStale, buildAdminUi, ensureAdminUi } from '../../admin-ui/build';

test('the page builds to one script, its stylesheet and index.html; it is rebuilt only when a source is newer than the bundle', async () => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'admin-ui-'));
  assert.equal(adminUiStale(out), true, 'nothing built yet');
  await buildAdminUi(out);
  assert.deepEqual(fs.readdirSync(out).filter((f) => !f.endsWith('.txt')).sort(), ['app.css', 'app.js', 'build-stamp.json', 'index.html']);
  assert.equal(adminUiStale(out), false);
  assert.equal(await ensureAdminUi(out), false, 'fresh: no rebuild');
  // A stamp older than the sources = a source changed since.
  fs.utimesSync(path.join(out, 'build-stamp.json'), new Date(0), new Date(0));
  assert.equal(adminUiStale(out), true);
  assert.equal(await ensureAdminUi(out), true);
  const html = fs.readFileSync(path.join(out, 'index.html'), 'utf8');
  assert.match(html, /<script src="app.js" defer><\/script>/);
  assert.doesNotMatch(fs.readFileSync(path.join(out, 'app.js'), 'utf8'), /https?:\/\/(?!www\.w3\.org)[a-z0-9.-]+\.(com|net|io)\/[^"'\s]*\.(js|css|woff2?)/i, 'no CDN reference');
});
