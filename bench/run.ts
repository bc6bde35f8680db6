import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { backlog } from './backlog';
import type { Benchmark } from './benchmark';
import { coldStart } from './cold-start';
import { rounded } from './format';
import { idlePolling } from './idle-polling';
import { peakRss } from './peak-rss';
import { pushLatency } from './push-latency';
import { requests } from './requests';
import { scale } from './scale';
import { printScorecard } from './scorecard';
import { throughput } from './throughput';

/**
 * `npm run bench` runs every benchmark; `npm run bench -- <name> [<name>…]` runs those.
 * Prints human-readable lines, then a JSON summary, which is also written to
 * `.local/bench-latest.json`. Performance is measured here, never asserted in tests.
 */
const BENCHMARKS: readonly Benchmark[] = [throughput, requests, peakRss, backlog, coldStart, pushLatency, idlePolling, scale];

const root = path.resolve(__dirname, '..');
const OUTPUT = path.join(root, '.local', 'bench-latest.json');

async function main(): Promise<number> {
  const wanted = process.argv.slice(2).filter((a) => a !== '--');
  const unknown = wanted.filter((w) => !BENCHMARKS.some((b) => b.name === w));
  if (unknown.length > 0) {
    console.error(`unknown benchmark(s): ${unknown.join(', ')}; known: ${BENCHMARKS.map((b) => b.name).join(', ')}`);
    return 2;
  }
  const selected = wanted.length ? BENCHMARKS.filter((b) => wanted.includes(b.name)) : BENCHMARKS;
  const startedAt = new Date().toISOString();
  const results: Record<string, unknown> = {};
  let failed = 0;
  const t0 = performance.now();
  for (const bench of selected) {
    console.log(`\n== ${bench.title} ==`);
    const started = performance.now();
    try {
      results[bench.name] = { ...(await bench.run({ print: (line) => console.log(line), earlier: results })), durationMs: performance.now() - started };
    } catch (err) {
      failed++;
      console.error(`${bench.name} failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
      results[bench.name] = { error: err instanceof Error ? err.message : String(err) };
    }
    console.log(`(${bench.name}: ${((performance.now() - started) / 1000).toFixed(1)} s)`);
  }
  printScorecard(results, (line) => console.log(line));
  const summary = rounded({
    startedAt,
    durationMs: performance.now() - t0,
    machine: { node: process.version, cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model ?? '?', memoryGiB: Math.round(os.totalmem() / 2 ** 30) },
    benchmarks: results,
  });
  console.log('\nJSON summary:');
  console.log(JSON.stringify(summary, null, 2));
  fs.mkdirSync(path.dirname(OUTPUT), { recursive: true });
  fs.writeFileSync(OUTPUT, `${JSON.stringify(summary, null, 2)}\n`);
  console.log(`(written to ${path.relative(root, OUTPUT)})`);
  return failed > 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
