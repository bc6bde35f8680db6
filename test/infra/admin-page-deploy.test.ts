import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import ignore from 'ignore';

/**
 * The admin page ships with the function app: its built files (dist/web/) are in the package,
 * and so is its source (admin-ui/), since the remote build runs `npm run build` again, which
 * bundles it.
 */
const root = path.resolve(__dirname, '../..');
const read = (f: string) => fs.readFileSync(path.join(root, f), 'utf8');

test('the deployment package holds the admin page and its source, and the build script bundles it', () => {
  const ig = ignore().add(read('.funcignore'));
  for (const kept of ['dist/web/index.html', 'dist/web/app.js', 'dist/web/app.css', 'admin-ui/build.ts', 'admin-ui/tsconfig.json', 'admin-ui/src/main.ts', 'functions/admin-page.ts']) {
    assert.equal(ig.ignores(kept), false, `${kept} is deployed`);
  }
  const pkg = JSON.parse(read('package.json')) as { scripts: Record<string, string>; dependencies: Record<string, string>; devDependencies: Record<string, string> };
  assert.match(pkg.scripts.build ?? '', /tsx admin-ui\/build\.ts/);
  // Bundled at build time, never loaded by the function app at run time.
  for (const p of ['@fluentui/web-components', 'esbuild', 'axe-core']) assert.ok(pkg.devDependencies[p] && !pkg.dependencies[p], p);
});
