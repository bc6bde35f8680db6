import { performance } from 'node:perf_hooks';
import { processMail, type ProcessDeps, type ProcessResult } from '../../shared/pipeline/process-mail';
import { processDeps, syncDeps } from '../../shared/pipeline/runtime';
import { syncMailbox } from '../../shared/pipeline/sync-mailbox';
import type { MailInboundMessage } from '../../shared/queue/contracts';
import type { ProcessReport } from '../protocol';
import { inParallel } from '../../shared/in-parallel';
import { flushPendingCounts } from '../../shared/store/channel-stats';

/**
 * The pipeline as the Functions host runs it, minus the queue: the real syncMailbox lists
 * the mailbox (its queue sends replaced by keeping the messages here), then the real
 * processMail with the real runtime deps handles each listed mail.
 */
const listed = new Map<string, MailInboundMessage[]>();

/** The pipeline's own log lines are not printed (they would drown the figures); failures are counted instead. */
const quiet = () => undefined;

export async function list(channelId: string): Promise<{ listed: number; elapsedMs: number }> {
  const kept = listed.get(channelId) ?? [];
  listed.set(channelId, kept);
  const before = kept.length;
  const started = performance.now();
  await syncMailbox(
    { channelId, reason: 'manual', fullResync: false, requestedAt: new Date().toISOString() },
    { ...syncDeps(quiet), enqueueMail: async (messages) => void kept.push(...messages) },
  );
  return { listed: kept.length - before, elapsedMs: performance.now() - started };
}

/** The next `count` (all when undefined) of the messages `list` kept for the channel, taken off its list. */
export function takeListed(channelId: string, count?: number): MailInboundMessage[] {
  const queue = listed.get(channelId) ?? [];
  return queue.splice(0, count ?? queue.length);
}

export const statusKey = (r: ProcessResult): string => (r.status === 'done' ? `done:${r.outcome}` : r.status);

const errorText = (err: unknown): string => {
  const e = err as { code?: unknown; message?: unknown };
  return `${String(e.code ?? 'ERROR')}: ${String(e.message ?? err)}`.slice(0, 300);
};

/**
 * One piece of work tried again (as the queue redelivers a message) until it succeeds or has
 * failed `retries` more times; the first 5 errors are kept in `errors`. Its outcome key, or
 * undefined when it failed for good.
 */
export async function withRetries(retries: number, errors: string[], attempt: () => Promise<string>): Promise<string | undefined> {
  for (let n = 0; ; n++) {
    try {
      return await attempt();
    } catch (err) {
      if (errors.length < 5) errors.push(errorText(err));
      if (n >= retries) return undefined;
    }
  }
}

type DepTimes = Record<string, { calls: number; ms: number }>;

/** `fn`, each call timed under `name` (sync calls too). Adds well under a microsecond per call. */
function timedFn<F extends (...args: never[]) => unknown>(name: string, fn: F, self: unknown, times: DepTimes): F {
  return ((...args: Parameters<F>) => {
    const t = (times[name] ??= { calls: 0, ms: 0 });
    t.calls++;
    const started = performance.now();
    const result = fn.apply(self, args);
    if (result instanceof Promise) return result.finally(() => (t.ms += performance.now() - started));
    t.ms += performance.now() - started;
    return result;
  }) as F;
}

/** The same deps, each call timed; the mail source's calls (fetch, move) too, as `source.*`. */
function timed(deps: ProcessDeps, times: DepTimes): ProcessDeps {
  const out: Record<string, unknown> = { ...deps };
  for (const [name, fn] of Object.entries(deps)) {
    if (typeof fn !== 'function' || name === 'log' || name === 'now' || name === 'fault') continue;
    out[name] = timedFn(name, fn as (...args: never[]) => unknown, deps, times);
  }
  const openSource = out.openSource as ProcessDeps['openSource'];
  out.openSource = async (channel: Parameters<ProcessDeps['openSource']>[0]) => {
    const source = await openSource(channel);
    return {
      listNew: source.listNew.bind(source),
      ensureFolders: source.ensureFolders.bind(source),
      fetchRaw: timedFn('source.fetchRaw', source.fetchRaw, source, times),
      ...(source.streamRaw ? { streamRaw: source.streamRaw.bind(source) } : {}),
      move: timedFn('source.move', source.move, source, times),
      close: source.close.bind(source),
    } satisfies Awaited<ReturnType<ProcessDeps['openSource']>>;
  };
  return out as unknown as ProcessDeps;
}

export async function processListed(channelId: string, concurrency: number, count: number | undefined, timeDeps: boolean, retries = 0): Promise<ProcessReport> {
  const batch = takeListed(channelId, count);
  const times: DepTimes = {};
  const deps = timeDeps ? timed(processDeps(quiet), times) : processDeps(quiet);
  const statuses: Record<string, number> = {};
  const errors: string[] = [];
  let failed = 0;
  const started = performance.now();
  const cpu = process.cpuUsage();
  await inParallel(batch, concurrency, async (msg) => {
    const key = await withRetries(retries, errors, async () => statusKey(await processMail(msg, deps)));
    if (key === undefined) failed++;
    else statuses[key] = (statuses[key] ?? 0) + 1;
  });
  // the counts still waiting for their second (store/channel-stats.ts) are part of the work and its requests
  await flushPendingCounts();
  const elapsedMs = performance.now() - started;
  const used = process.cpuUsage(cpu);
  return { mails: batch.length, elapsedMs, cpuMs: (used.user + used.system) / 1000, statuses, failed, errors, ...(timeDeps ? { depMs: times } : {}) };
}

export { errorText };
