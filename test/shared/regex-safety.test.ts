import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { checkSync } from 'recheck';

/**
 * Guard: every regular expression the code applies to mail content is proven free of
 * super-linear backtracking by a ReDoS checker (recheck), so the next `/[ \t]+$/gm` cannot
 * slip in. Mail is hostile input: one quadratic regex lets any sender stall a worker.
 *
 * Found by reading the source, not by a list kept by hand: every regex literal in the
 * folders below, and every `new RegExp(…)` / `RegExp(…)`. A RegExp built from parts (the
 * word lists of reply-text.ts and the signals) is checked as built: the modules are
 * loaded with the RegExp constructor watched, and each construction is attributed to its
 * line. A construction that does not happen at module load (one built per call, from
 * runtime values such as an admin's pattern) cannot be checked here and fails the test:
 * build it from constants at module level, or run it on RE2 (config/admin-regex.ts).
 *
 * A regex recheck cannot prove safe must be rewritten, or listed in `knownSafe` with the
 * written reason it is safe anyway (e.g. its input is bounded by a slice).
 */

const sharedDir = path.resolve(__dirname, '../../shared');

/**
 * All of `shared/`: mail content reaches the mail folders, but headers of anonymous HTTP
 * requests, Graph's notification bodies and admin input reach the others.
 */
const scanned = fs.readdirSync(sharedDir);

/** `file:source/flags` → why it is safe although recheck cannot prove it. None today. */
const knownSafe: ReadonlyMap<string, string> = new Map([]);

interface Site {
  file: string;
  line: number;
  source: string;
  flags: string;
}

function tsFiles(entry: string): string[] {
  const full = path.join(sharedDir, entry);
  if (!fs.statSync(full).isDirectory()) return [full];
  return fs.readdirSync(full, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? tsFiles(path.join(entry, e.name)) : e.name.endsWith('.ts') ? [path.join(full, e.name)] : []));
}

/** Regex literals, and the lines of RegExp constructions, of every scanned file. */
function scan(): { literals: Site[]; constructions: { file: string; line: number }[] } {
  const literals: Site[] = [];
  const constructions: { file: string; line: number }[] = [];
  for (const file of scanned.flatMap(tsFiles)) {
    const src = ts.createSourceFile(file, fs.readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
    const lineOf = (n: ts.Node) => src.getLineAndCharacterOfPosition(n.getStart()).line + 1;
    const visit = (n: ts.Node): void => {
      if (n.kind === ts.SyntaxKind.RegularExpressionLiteral) {
        const text = n.getText();
        const slash = text.lastIndexOf('/');
        literals.push({ file, line: lineOf(n), source: text.slice(1, slash), flags: text.slice(slash + 1) });
      }
      if ((ts.isNewExpression(n) || ts.isCallExpression(n)) && n.expression.getText() === 'RegExp') constructions.push({ file, line: lineOf(n) });
      ts.forEachChild(n, visit);
    };
    visit(src);
  }
  return { literals, constructions };
}

/** Loads the modules with the RegExp constructor watched: what each line builds at module load. */
async function builtAtLoad(files: readonly string[]): Promise<Site[]> {
  const built: Site[] = [];
  const Original = RegExp;
  const record = (re: RegExp) => {
    // the caller's frame, source-mapped to the .ts line by tsx
    const frame = (new Error().stack ?? '').split('\n').slice(2).find((l) => l.includes(sharedDir));
    const m = frame && /\(?([^()]+\.ts):(\d+):\d+\)?$/.exec(frame.trim());
    if (m) built.push({ file: m[1]!.replace(/^.*?(?=\/)/, ''), line: Number(m[2]), source: re.source, flags: re.flags });
    return re;
  };
  globalThis.RegExp = new Proxy(Original, {
    construct: (target, args: [string, string?]) => record(new target(...args)),
    apply: (target, _this, args: [string, string?]) => record(target(...args)),
  });
  try {
    for (const file of files) await import(file);
  } finally {
    globalThis.RegExp = Original;
  }
  return built;
}

function proveSafe(site: Site): string | undefined {
  const key = `${path.relative(sharedDir, site.file)}:${site.source}/${site.flags}`;
  if (knownSafe.has(key)) return undefined;
  const result = checkSync(site.source, site.flags, { randomSeed: 42, timeout: 60_000 });
  if (result.status === 'safe') return undefined;
  const why = result.status === 'vulnerable' ? `${result.complexity.summary}, e.g. ${result.attack.pattern}` : `not proven (${result.error.kind})`;
  return `shared/${path.relative(sharedDir, site.file)}:${site.line} /${site.source.length > 100 ? `${site.source.slice(0, 100)}…` : site.source}/${site.flags}: ${why}`;
}

test('every regular expression in shared/ (mail content, HTTP headers, notification bodies, admin input) is proven free of super-linear backtracking', { timeout: 600_000 }, async () => {
  const { literals, constructions } = scan();
  assert.ok(literals.length > 50, `the scan finds the regex literals (found ${literals.length})`);

  const built = await builtAtLoad([...new Set(constructions.map((c) => c.file))]);
  const unchecked = constructions.filter((c) => !built.some((b) => b.file === c.file && b.line === c.line));
  assert.deepEqual(
    unchecked.map((c) => `shared/${path.relative(sharedDir, c.file)}:${c.line}`),
    [],
    'a RegExp built at run time (not at module load) cannot be proven safe: build it from constants at module level, or run it on RE2',
  );
  assert.ok(built.length >= constructions.length, 'each construction site was seen building its regex');

  const unsafe = [...literals, ...built].map(proveSafe).filter((p): p is string => p !== undefined);
  assert.deepEqual(unsafe, [], 'rewrite these (linear code or an unambiguous regex), or list them in knownSafe with the reason');
});

test('the checker catches the regexes this guard exists for', () => {
  // finding 1 (body-text trimming) and finding 2 (an admin's pattern), as they were
  assert.equal(checkSync('[ \\t]+$', 'gm', { randomSeed: 42 }).status, 'vulnerable');
  assert.equal(checkSync('(a+)+$', '', { randomSeed: 42 }).status, 'vulnerable');
  assert.equal(checkSync('\\r\\n?', 'g', { randomSeed: 42 }).status, 'safe');
});
