import fs from 'node:fs';
import path from 'node:path';
import { globSync } from 'tinyglobby';
import { z } from 'zod';

/**
 * Loads a Functions app the way the Node.js worker does (startApp.ts): read `main` from
 * the app root's package.json, expand it as a glob (the v4 model allows
 * `dist/functions/*.js`), and `require` every match in order.
 *
 * Under tsx (`--source`), the compiled path is mapped back to its TypeScript source:
 * `dist/functions/*.js` → `functions/*.ts` (tsconfig: outDir "dist", rootDir ".").
 */
const PackageJsonSchema = z.looseObject({ main: z.string().min(1).optional() });

export interface LoadedEntryPoints { pattern: string; files: string[] }

/** The glob to load: the package.json `main`, or its TypeScript source when `source` is set. */
export function entryPointPattern(main: string, source: boolean): string {
  if (!source) return main;
  return main.replace(/^(\.\/)?dist\//, '').replace(/\.js$/, '.ts');
}

export function resolveEntryPoints(appRoot: string, source: boolean): LoadedEntryPoints {
  const pkgPath = path.join(appRoot, 'package.json');
  const pkg = PackageJsonSchema.parse(JSON.parse(fs.readFileSync(pkgPath, 'utf8')));
  // The worker falls back to index.js when `main` is absent (Node's own default).
  const pattern = entryPointPattern(pkg.main ?? 'index.js', source);
  const files = globSync(pattern, { cwd: appRoot, absolute: true, onlyFiles: true })
    .filter((f) => !f.endsWith('.d.ts'))
    .sort();
  if (files.length === 0) {
    throw new Error(`Found zero files matching the supplied pattern "${pattern}" (package.json main "${pkg.main ?? ''}") under ${appRoot}`);
  }
  return { pattern, files };
}

/** Requires every entry point; registrations land in the installed core API. */
export function loadEntryPoints(entry: LoadedEntryPoints, log: (msg: string) => void): void {
  for (const file of entry.files) {
    log(`Loading entry point file "${file}"`);
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    require(file);
  }
}
