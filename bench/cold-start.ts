import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Benchmark } from './benchmark';
import { ProbeReport } from './cold-start-probe';

/**
 * Cold start: compiles the function entries (functions/*.ts → JavaScript, as deployed),
 * then for each entry spawns a fresh `node` that requires it under the
 * `@azure/functions-core` registration hook (bench/cold-start-probe.ts) and reports the
 * module load time and module count — the median of RUNS. Last, every entry at once, the
 * way the Functions worker loads `main` (dist/functions/*.js), followed by the Graph
 * validation handshake answered through graphNotify: that is "process start → webhook
 * answers the validation handshake" for the whole app.
 *
 * Goal (issue 9): ≤ 1 s of module load for the webhook entries.
 */
const root = path.resolve(__dirname, '..');
const OUT = path.join(root, '.local', 'cold-start-dist');
const RUNS = 3;
const run = promisify(execFile);

function compile(): Promise<void> {
  // Only the entries and what they import (not tests and tools): a tsconfig beside the output.
  const config = path.join(root, '.local', 'cold-start.tsconfig.json');
  fs.mkdirSync(path.dirname(config), { recursive: true });
  fs.writeFileSync(config, JSON.stringify({
    extends: '../tsconfig.json',
    compilerOptions: { outDir: './cold-start-dist', rootDir: '..', sourceMap: false, noEmitOnError: false },
    include: ['../functions/*.ts', '../bench/cold-start-probe.ts'],
  }));
  fs.rmSync(OUT, { recursive: true, force: true });
  const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  return run(process.execPath, [tsc, '-p', config], { cwd: root, maxBuffer: 16 * 2 ** 20 }).then(
    () => undefined,
    (err: unknown) => {
      // A type error elsewhere in the tree still emits JavaScript; only missing output is fatal.
      if (!fs.existsSync(path.join(OUT, 'bench', 'cold-start-probe.js'))) throw err;
    },
  );
}

async function probe(files: string[], handshake?: string): Promise<ProbeReport> {
  const args = [path.join(OUT, 'bench', 'cold-start-probe.js'), ...(handshake ? ['--handshake', handshake] : []), ...files];
  const { stdout } = await run(process.execPath, args, { cwd: root, maxBuffer: 16 * 2 ** 20 });
  return ProbeReport.parse(JSON.parse(stdout));
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? NaN;
}

interface EntryFigures { loadMs: number; sinceStartMs: number; modules: number; heavy: string[] }

async function measure(files: string[], handshake?: string): Promise<EntryFigures & { handshakeSinceStartMs?: number }> {
  const reports: ProbeReport[] = [];
  // One after another: concurrent processes would measure each other.
  for (let i = 0; i < RUNS; i++) reports.push(await probe(files, handshake));
  const last = reports[reports.length - 1] as ProbeReport;
  const hs = reports.flatMap((r) => (r.handshake ? [r.handshake.sinceStartMs] : []));
  return {
    loadMs: median(reports.map((r) => r.loadMs)),
    sinceStartMs: median(reports.map((r) => r.sinceStartMs)),
    modules: last.modules,
    heavy: last.heavyLoaded,
    ...(hs.length ? { handshakeSinceStartMs: median(hs) } : {}),
  };
}

export const coldStart: Benchmark = {
  name: 'cold-start',
  title: `cold start: module load of each function entry (fresh node, median of ${RUNS})`,
  async run({ print }) {
    await compile();
    const dir = path.join(OUT, 'functions');
    const entries = fs.readdirSync(dir).filter((f) => f.endsWith('.js')).sort();
    const perEntry: Record<string, EntryFigures> = {};
    for (const file of entries) {
      const name = file.replace(/\.js$/, '');
      const figures = await measure([path.join(dir, file)]);
      perEntry[name] = figures;
      print(`${name.padEnd(36)} ${figures.loadMs.toFixed(0).padStart(6)} ms  ${String(figures.modules).padStart(5)} modules  ${figures.heavy.length ? `heavy: ${figures.heavy.join(', ')}` : 'no heavy SDK'}`);
    }
    const app = await measure(entries.map((f) => path.join(dir, f)), 'graphNotify');
    print(`all ${entries.length} entries (as the worker loads main) ${app.loadMs.toFixed(0)} ms, ${app.modules} modules; process start → handshake answered ${app.handshakeSinceStartMs?.toFixed(0) ?? '?'} ms`);
    const webhook = ['graph-notify', 'graph-lifecycle'].map((n) => perEntry[n]?.loadMs ?? NaN);
    print(`webhook module load: graph-notify ${webhook[0]?.toFixed(0)} ms, graph-lifecycle ${webhook[1]?.toFixed(0)} ms (goal ≤ 1000 ms)`);
    return { runs: RUNS, entries: perEntry, app, webhookLoadMs: Math.max(...webhook) };
  },
};
