import { fixed, mb } from './format';

/**
 * Issue 9's table, one row per figure, from this run's results (a benchmark that did not
 * run leaves its rows out): the figure, the goal, and whether this run met it. The same
 * fields stay in the JSON summary under their own benchmarks; this only reads them.
 */
type Results = Record<string, unknown>;

/** The number at a dotted path of the results, if there is one. */
function num(results: Results, dotted: string): number | undefined {
  let at: unknown = results;
  for (const key of dotted.split('.')) {
    if (at === null || typeof at !== 'object') return undefined;
    at = (at as Record<string, unknown>)[key];
  }
  return typeof at === 'number' ? at : undefined;
}

interface Row {
  figure: string;
  value: string;
  goal: string;
  met: boolean;
}

/** A 2 GB instance, as the rss benchmark counts it (format.ts `mb`: MiB). */
const GB2 = 2 * 1024 ** 3;

export function scorecardRows(results: Results): Row[] {
  const rows: Row[] = [];
  const runs = (results.throughput as { runs?: { concurrency: number; ratio: number; floorRatio?: number; ratioToFloor?: number }[] } | undefined)?.runs;
  const c8 = runs?.find((r) => r.concurrency === 8);
  if (c8) {
    // the floor (bench/worker/floor.ts): the least any design does per mail; its ratio is the most the pipeline's could be
    const floor = c8.floorRatio !== undefined && c8.ratioToFloor !== undefined ? ` (floor ÷ baseline ${fixed(c8.floorRatio, 2)}; pipeline ÷ floor ${fixed(c8.ratioToFloor, 2)})` : '';
    rows.push({ figure: 'pipeline throughput ÷ baseline, concurrency 8', value: `${fixed(c8.ratio, 2)}${floor}`, goal: '≥ 0.5', met: c8.ratio >= 0.5 });
  }

  const lone = ['reads', 'writes', 'queries', 'metadata'].map((k) => num(results, `requests.unacknowledgedMail.cosmos.${k}`));
  const stream = num(results, 'requests.unacknowledgedStream.cosmosOpsPerMail');
  if (lone.every((n) => n !== undefined) && stream !== undefined) {
    const alone = lone.reduce((a, n) => a! + n!, 0)!;
    rows.push({ figure: 'Cosmos operations per new-ticket mail', value: `${fixed(stream, 2)} in a stream of 20, ${alone} alone`, goal: '≤ 4', met: stream <= 4 && alone <= 4 });
  }

  const rss = num(results, 'rss.pipeline.increaseOverRawSize');
  if (rss !== undefined) rows.push({ figure: 'peak RSS increase, 34 MB mail', value: `${fixed(rss, 2)} × raw`, goal: '≤ 1.0 ×', met: rss <= 1 });
  const large = num(results, 'rss.large.peakRssBytes');
  if (large !== undefined) rows.push({ figure: '150 MB mail, peak RSS', value: `${mb(large)} (${fixed((100 * large) / GB2, 1)} % of 2 GB)`, goal: 'within a 2 GB instance', met: large < GB2 });

  const backlog = num(results, 'backlog.ratio');
  const throttled = num(results, 'backlog.throttledShare');
  if (backlog !== undefined && throttled !== undefined) {
    rows.push({ figure: "backlog drain ÷ Graph's per-mailbox ceiling", value: `${fixed(backlog, 2)}, ${fixed(100 * throttled, 1)} % answered 429`, goal: '≥ 0.95, ≤ 1 % 429', met: backlog >= 0.95 && throttled <= 0.01 });
  }
  const p50 = num(results, 'push-latency.p50Ms');
  const p99 = num(results, 'push-latency.p99Ms');
  if (p50 !== undefined && p99 !== undefined) rows.push({ figure: 'arrival → ticket, push path', value: `p50 ${fixed(p50 / 1000, 2)} s, p99 ${fixed(p99 / 1000, 2)} s`, goal: 'p50 ≤ 2 s, p99 ≤ 10 s', met: p50 <= 2000 && p99 <= 10_000 });
  const webhook = num(results, 'cold-start.webhookLoadMs');
  if (webhook !== undefined) rows.push({ figure: "webhook's module load (validation handshake)", value: `${fixed(webhook, 0)} ms`, goal: '≤ 1 s', met: webhook <= 1000 });
  const growth = num(results, 'scale.perMailboxGrowth');
  if (growth !== undefined) rows.push({ figure: 'cost per mailbox-minute, 10,000 ÷ 100 mailboxes', value: fixed(growth, 2), goal: '≤ 1 (linear or better)', met: growth <= 1 });
  return rows;
}

export function printScorecard(results: Results, print: (line: string) => void): void {
  const rows = scorecardRows(results);
  if (!rows.length) return;
  const width = Math.max(...rows.map((r) => r.figure.length));
  const valueWidth = Math.max(...rows.map((r) => r.value.length));
  print("\n== issue 9's table: this run against the goals ==");
  for (const r of rows) print(`${r.figure.padEnd(width)}  ${r.value.padEnd(valueWidth)}  goal ${r.goal}: ${r.met ? 'met' : 'NOT met'}`);
}
