import fs from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';

/**
 * Builds the admin page: admin-ui/src/main.ts (Fluent UI web components and the views)
 * bundled by esbuild into one browser script, plus the static index.html and app.css,
 * into dist/web/ (not dist/admin-ui/: tsc compiles this file there). Everything the page loads is in that folder: no CDN, so the page
 * works on admin jump hosts without internet. `npm run build` runs it; `npm start` and the
 * browser tests call ensureAdminUi(), which rebuilds only when a source is newer than the
 * bundle.
 */
const root = path.resolve(__dirname, '..');
export const ADMIN_UI_SOURCE = path.join(root, 'admin-ui', 'src');
export const ADMIN_UI_OUT = path.join(root, 'dist', 'web');
/** Copied as they are (the bundle is the only script: the page's CSP allows no inline script). */
const STATIC_FILES = ['index.html', 'app.css'];
/** Written last: its time stamp is the bundle's. */
const STAMP = 'build-stamp.json';

export async function buildAdminUi(outDir = ADMIN_UI_OUT): Promise<void> {
  fs.mkdirSync(outDir, { recursive: true });
  await build({
    entryPoints: [path.join(ADMIN_UI_SOURCE, 'main.ts')],
    outfile: path.join(outDir, 'app.js'),
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: ['chrome111', 'edge111', 'firefox115', 'safari16.4'],
    minify: true,
    legalComments: 'linked',
    logLevel: 'warning',
    tsconfig: path.join(root, 'admin-ui', 'tsconfig.json'),
  });
  for (const f of STATIC_FILES) fs.copyFileSync(path.join(ADMIN_UI_SOURCE, f), path.join(outDir, f));
  fs.writeFileSync(path.join(outDir, STAMP), JSON.stringify({ builtAt: new Date().toISOString() }) + '\n');
}

/** Newest modification time (ms) of the files under a folder. */
function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(p) : fs.statSync(p).mtimeMs);
  }
  return newest;
}

/** True when the bundle is missing or older than a source, this build script or the lock file (a new Fluent UI version). */
export function adminUiStale(outDir = ADMIN_UI_OUT): boolean {
  const stamp = path.join(outDir, STAMP);
  if (!fs.existsSync(stamp)) return true;
  const inputs = Math.max(newestMtime(ADMIN_UI_SOURCE), fs.statSync(__filename).mtimeMs, fs.statSync(path.join(root, 'package-lock.json')).mtimeMs);
  return inputs > fs.statSync(stamp).mtimeMs;
}

/** Builds the page when it is stale; true when it built. */
export async function ensureAdminUi(outDir = ADMIN_UI_OUT): Promise<boolean> {
  if (!adminUiStale(outDir)) return false;
  await buildAdminUi(outDir);
  return true;
}

if (require.main === module) {
  buildAdminUi().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
