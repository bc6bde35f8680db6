import { cpuMs } from './cpu';
import { startWorld, type World } from './env';
import { perSecond, fixed, mb, ratio, seconds, listCounts } from './format';
import { channelSpec, deliverAll } from './mailbox';
import { MAIL_KINDS, sampleMails } from './mails';
import type { Benchmark } from './benchmark';
import type { ProcessReport } from './protocol';
import { acknowledgementsSentBy, customerReply, openingMails } from './replies';
import { startWorker, type Worker } from './worker-client';

/**
 * 1. Pipeline throughput: N mails of the mix through the real syncMailbox + processMail
 * with the real runtime deps, against Azurite, the Cosmos emulator and the Graph simulator
 * (no latency), at concurrency 1 and 8 — against the baseline (simpleParser + a ledger-sized
 * and a ticket-sized Cosmos upsert per mail) in the same worker, on the same emulators, at
 * the same concurrency. The N mails are run in ROUNDS rounds, baseline and pipeline taking
 * turns, so a slow moment of the shared machine hits both sides rather than one.
 *
 * Beside them, the floor (bench/worker/floor.ts) over the same mails in a mailbox of its own:
 * the least any design must do per mail (fetch, Blob, parse, the baseline's 2 writes, move).
 * floor ÷ baseline is the most the pipeline ÷ baseline ratio could be; pipeline ÷ floor is
 * how much of the rest is the pipeline's own.
 *
 * Then replies: REPLIES customers' answers to the acknowledgements of their tickets become
 * notes, at REPLY_CONCURRENCY, against the same baseline in the same way.
 */
const MAILS = 300;
const ROUNDS = 3;
const WARMUP = 20;
const CONCURRENCIES = [1, 8];
const REPLIES = 120;
const REPLY_CONCURRENCY = 8;

interface Side {
  mails: number;
  elapsedMs: number;
  workerCpuMs: number;
  emulatorCpuMs: number;
}

const emptySide = (): Side => ({ mails: 0, elapsedMs: 0, workerCpuMs: 0, emulatorCpuMs: 0 });

const side = (s: Side, rate: number) => ({ mailsPerSecond: rate, mails: s.mails, elapsedMs: s.elapsedMs, workerCpuMsPerMail: s.workerCpuMs / s.mails, emulatorCpuMsPerMail: s.emulatorCpuMs / s.mails });

const addCounts = (into: Record<string, number>, more: Record<string, number>) => {
  for (const [k, v] of Object.entries(more)) into[k] = (into[k] ?? 0) + v;
};

/** Runs `fn` and adds its figures to `side`; emulator CPU = this process (Cosmos, Graph simulator) + Azurite. */
async function measured<T extends { mails: number; elapsedMs: number; cpuMs: number }>(world: World, side: Side, fn: () => Promise<T>): Promise<T> {
  const cpu0 = cpuMs([world.azurite.pid]);
  const r = await fn();
  side.emulatorCpuMs += cpuMs([world.azurite.pid]) - cpu0;
  side.mails += r.mails;
  side.elapsedMs += r.elapsedMs;
  side.workerCpuMs += r.cpuMs;
  return r;
}

async function atConcurrency(world: World, worker: Worker, concurrency: number, print: (line: string) => void): Promise<Record<string, unknown>> {
  const mailbox = `throughput-c${concurrency}@contoso.example`;
  const channelId = `bench-throughput-c${concurrency}`;
  await worker.call({ op: 'setupChannel', channel: channelSpec(world.sim, channelId, mailbox) });
  const floorMailbox = `floor-c${concurrency}@contoso.example`;
  const floorChannelId = `bench-floor-c${concurrency}`;
  await worker.call({ op: 'setupChannel', channel: channelSpec(world.sim, floorChannelId, floorMailbox) });

  // warm-up, not measured: module loading, JIT, connections, container creation, folder ids
  await deliverAll(world.sim, mailbox, await sampleMails(WARMUP, { to: mailbox, tag: `warm-c${concurrency}` }, 10_000));
  await worker.call({ op: 'list', channelId });
  await worker.call({ op: 'process', channelId, concurrency });
  await worker.call({ op: 'baseline', count: WARMUP, concurrency, tag: `base-warm-c${concurrency}`, to: mailbox });
  await deliverAll(world.sim, floorMailbox, await sampleMails(WARMUP, { to: floorMailbox, tag: `warm-floor-c${concurrency}` }, 10_000));
  await worker.call({ op: 'list', channelId: floorChannelId });
  await worker.call({ op: 'floor', channelId: floorChannelId, concurrency });

  const pipeline = emptySide();
  const baseline = emptySide();
  const floor = emptySide();
  const statuses: Record<string, number> = {};
  const errors: string[] = [];
  const depMs: NonNullable<ProcessReport['depMs']> = {};
  let failed = 0;
  let bytes = 0;
  const perRound = Math.ceil(MAILS / ROUNDS);
  for (let start = 0; start < MAILS; start += perRound) {
    const count = Math.min(perRound, MAILS - start);
    await measured(world, baseline, () => worker.call({ op: 'baseline', count, concurrency, tag: `base-c${concurrency}-${start}`, to: mailbox }));

    const mails = await sampleMails(count, { to: mailbox, tag: `run-c${concurrency}` }, start);
    bytes += mails.reduce((n, m) => n + m.raw.length, 0);
    await deliverAll(world.sim, mailbox, mails);
    const listing = await worker.call({ op: 'list', channelId });
    if (listing.listed !== count) throw new Error(`the sync listed ${listing.listed} mails, expected ${count}`);
    const r = await measured(world, pipeline, () => worker.call({ op: 'process', channelId, concurrency, timeDeps: concurrency === 1 }));
    failed += r.failed;
    errors.push(...r.errors);
    addCounts(statuses, r.statuses);
    for (const [k, v] of Object.entries(r.depMs ?? {})) {
      const t = (depMs[k] ??= { calls: 0, ms: 0 });
      t.calls += v.calls;
      t.ms += v.ms;
    }

    // the floor over the same mails, in its own mailbox (the pipeline has moved these)
    await deliverAll(world.sim, floorMailbox, await sampleMails(count, { to: floorMailbox, tag: `run-c${concurrency}` }, start));
    const floorListing = await worker.call({ op: 'list', channelId: floorChannelId });
    if (floorListing.listed !== count) throw new Error(`the floor's sync listed ${floorListing.listed} mails, expected ${count}`);
    await measured(world, floor, () => worker.call({ op: 'floor', channelId: floorChannelId, concurrency }));
  }
  const check = await worker.call({ op: 'verify', channelId });

  const pipelineRate = perSecond(pipeline.mails, pipeline.elapsedMs);
  const baselineRate = perSecond(baseline.mails, baseline.elapsedMs);
  const floorRate = perSecond(floor.mails, floor.elapsedMs);
  print(
    `concurrency ${concurrency}: pipeline ${fixed(pipelineRate)} mails/s (${pipeline.mails} in ${seconds(pipeline.elapsedMs)}, ${mb(bytes)}), ` +
      `baseline ${fixed(baselineRate)} mails/s (${seconds(baseline.elapsedMs)}) → ratio pipeline/baseline ${fixed(ratio(pipelineRate, baselineRate), 2)}`,
  );
  print(
    `  floor (fetch + Blob + parse + the baseline's 2 writes + move; bench/worker/floor.ts) ${fixed(floorRate)} mails/s (${seconds(floor.elapsedMs)}) → ` +
      `floor/baseline ${fixed(ratio(floorRate, baselineRate), 2)}, pipeline/floor ${fixed(ratio(pipelineRate, floorRate), 2)}`,
  );
  print(
    `  outcomes: ${listCounts(statuses)}; failed ${failed}; tickets in Cosmos for the channel ${check.tickets} (${WARMUP} warm-up + ${MAILS})` +
      `${errors.length ? `; errors: ${errors.slice(0, 3).join(' | ')}` : ''}`,
  );
  print(
    `  CPU per mail: pipeline worker ${fixed(pipeline.workerCpuMs / pipeline.mails, 2)} ms + emulators ${fixed(pipeline.emulatorCpuMs / pipeline.mails, 2)} ms; ` +
      `baseline worker ${fixed(baseline.workerCpuMs / baseline.mails, 2)} ms + emulators ${fixed(baseline.emulatorCpuMs / baseline.mails, 2)} ms; ` +
      `floor worker ${fixed(floor.workerCpuMs / floor.mails, 2)} ms + emulators ${fixed(floor.emulatorCpuMs / floor.mails, 2)} ms (2 cores shared by all)`,
  );
  if (Object.keys(depMs).length > 0) {
    const parts = Object.entries(depMs)
      .filter(([, t]) => t.ms >= pipeline.elapsedMs / 200)
      .sort(([, a], [, b]) => b.ms - a.ms)
      .map(([name, t]) => `${name} ${fixed((100 * t.ms) / pipeline.elapsedMs, 0)}%`);
    print(`  where the wall time goes at concurrency 1: ${parts.join(', ')} (the rest: the pipeline's own code)`);
  }
  return {
    concurrency,
    mails: MAILS,
    bytes,
    pipeline: { ...side(pipeline, pipelineRate), statuses, failed, ...(Object.keys(depMs).length ? { depMs } : {}) },
    baseline: side(baseline, baselineRate),
    ratio: ratio(pipelineRate, baselineRate),
    floor: side(floor, floorRate),
    floorRatio: ratio(floorRate, baselineRate),
    ratioToFloor: ratio(pipelineRate, floorRate),
    ticketsInCosmos: check.tickets,
  };
}

/**
 * Replies per second: WARMUP + REPLIES tickets made through the pipeline, their
 * acknowledgements sent by the real send job through the simulator's sendMail, and then
 * each customer's answer to their acknowledgement (token in the subject, In-Reply-To and
 * References to it, the acknowledgement quoted) through the real syncMailbox + processMail,
 * where it becomes a note. Timed: the replies only, against the baseline at the same
 * concurrency over the same reply mails (the baseline's rule: the same mails on both sides;
 * a reply is a small plain-text mail, so the mix's baseline would be a slower yardstick),
 * in ROUNDS rounds taking turns.
 */
async function replies(world: World, worker: Worker, print: (line: string) => void): Promise<Record<string, unknown>> {
  const concurrency = REPLY_CONCURRENCY;
  const mailbox = 'throughput-replies@contoso.example';
  const channelId = 'bench-throughput-replies';
  const tag = 'replies';
  await worker.call({ op: 'setupChannel', channel: channelSpec(world.sim, channelId, mailbox), settings: { whitelist: ['it-support'] } });

  // the tickets and their acknowledgements, not timed
  const tickets = WARMUP + REPLIES;
  await deliverAll(world.sim, mailbox, await openingMails(tickets, { to: mailbox, tag }));
  await worker.call({ op: 'list', channelId });
  const made = await worker.call({ op: 'process', channelId, concurrency, retries: 2 });
  if ((made.statuses['done:created'] ?? 0) !== tickets) throw new Error(`the opening mails made ${listCounts(made.statuses)}, expected done:created ${tickets}${made.errors.length ? `: ${made.errors.join(' | ')}` : ''}`);
  const { outboxIds } = await worker.call({ op: 'queuedOutbox', channelId });
  const sent = await worker.call({ op: 'send', channelId, outboxIds, concurrency, retries: 2 });
  const acks = await acknowledgementsSentBy(world.sim, mailbox);
  if (acks.length !== tickets) throw new Error(`${acks.length} acknowledgements arrived for ${tickets} tickets (send job: ${listCounts(sent.outcomes)}${sent.errors.length ? `: ${sent.errors.join(' | ')}` : ''})`);
  const answerTo = (start: number, count: number) => Promise.all(acks.slice(start, start + count).map((ack, i) => customerReply(ack, start + i, { to: mailbox, tag })));

  // warm-up, not measured
  const warmup = await answerTo(0, WARMUP);
  await deliverAll(world.sim, mailbox, warmup);
  await worker.call({ op: 'list', channelId });
  await worker.call({ op: 'process', channelId, concurrency, retries: 2 });
  await worker.call({ op: 'baseline', count: WARMUP, concurrency, tag: 'base-warm-replies', to: mailbox, raws: warmup.map((m) => m.raw.toString('base64')) });

  const pipeline = emptySide();
  const baseline = emptySide();
  const statuses: Record<string, number> = {};
  const errors: string[] = [];
  let failed = 0;
  let bytes = 0;
  const perRound = Math.ceil(REPLIES / ROUNDS);
  for (let start = 0; start < REPLIES; start += perRound) {
    const count = Math.min(perRound, REPLIES - start);
    const mails = await answerTo(WARMUP + start, count);
    await measured(world, baseline, () => worker.call({ op: 'baseline', count, concurrency, tag: `base-replies-${start}`, to: mailbox, raws: mails.map((m) => m.raw.toString('base64')) }));
    bytes += mails.reduce((n, m) => n + m.raw.length, 0);
    await deliverAll(world.sim, mailbox, mails);
    const listing = await worker.call({ op: 'list', channelId });
    if (listing.listed !== count) throw new Error(`the sync listed ${listing.listed} replies, expected ${count}`);
    const r = await measured(world, pipeline, () => worker.call({ op: 'process', channelId, concurrency }));
    failed += r.failed;
    errors.push(...r.errors);
    addCounts(statuses, r.statuses);
  }
  const check = await worker.call({ op: 'verify', channelId });

  const pipelineRate = perSecond(pipeline.mails, pipeline.elapsedMs);
  const baselineRate = perSecond(baseline.mails, baseline.elapsedMs);
  const sendRate = perSecond(sent.mails, sent.elapsedMs);
  print(
    `replies → notes, concurrency ${concurrency}: pipeline ${fixed(pipelineRate)} replies/s (${pipeline.mails} in ${seconds(pipeline.elapsedMs)}, ${mb(bytes)}), ` +
      `baseline over the same replies ${fixed(baselineRate)} mails/s (${seconds(baseline.elapsedMs)}) → ratio pipeline/baseline ${fixed(ratio(pipelineRate, baselineRate), 2)}`,
  );
  print(
    `  outcomes: ${listCounts(statuses)}; failed ${failed}; notes in Cosmos for the channel ${check.notes} on ${check.notedTickets} tickets ` +
      `(${WARMUP} warm-up + ${REPLIES}); tickets ${check.tickets} (${tickets} opened, none by a reply)${errors.length ? `; errors: ${errors.slice(0, 3).join(' | ')}` : ''}`,
  );
  print(
    `  CPU per reply: pipeline worker ${fixed(pipeline.workerCpuMs / pipeline.mails, 2)} ms + emulators ${fixed(pipeline.emulatorCpuMs / pipeline.mails, 2)} ms; ` +
      `baseline worker ${fixed(baseline.workerCpuMs / baseline.mails, 2)} ms + emulators ${fixed(baseline.emulatorCpuMs / baseline.mails, 2)} ms`,
  );
  print(`  before: ${tickets} tickets' acknowledgements sent by the send job at concurrency ${concurrency}: ${fixed(sendRate)} mails/s (${listCounts(sent.outcomes)}; failed ${sent.failed}), not compared with a baseline`);
  return {
    concurrency,
    mails: REPLIES,
    bytes,
    mailsPerSecond: pipelineRate,
    ratio: ratio(pipelineRate, baselineRate),
    pipeline: { ...side(pipeline, pipelineRate), statuses, failed },
    baseline: side(baseline, baselineRate),
    notesInCosmos: check.notes,
    notedTickets: check.notedTickets,
    ticketsInCosmos: check.tickets,
    acknowledgements: { sent: sent.outcomes.sent ?? 0, failed: sent.failed, mailsPerSecond: sendRate },
  };
}

/** The pacing budget for this bench, and what Outlook's real limit allows one mailbox (2 Graph calls per mail, 98 % of 10,000 per 600 s). */
const PACING_LIFTED = { requestsPerWindow: 10_000_000, realMailsPerSecond: ((10_000 * 0.98) / 600 / 2).toFixed(1) };

export const throughput: Benchmark = {
  name: 'throughput',
  title: `1. Pipeline throughput: ${MAILS} mails, concurrency ${CONCURRENCIES.join(' and ')}, and ${REPLIES} replies → notes, concurrency ${REPLY_CONCURRENCY}, against the baseline`,
  async run({ print }) {
    const world = await startWorld();
    // The pipeline's own speed: the simulator here does not throttle, so the Graph pacing
    // budget is lifted (Outlook's real 10,000 requests per 10 minutes allow one mailbox about
    // 8.3 new mails/s at 2 requests each — with it on, every run measured that ceiling).
    const worker = await startWorker({ ...world.workerEnv, GRAPH_MAILBOX_REQUESTS_PER_WINDOW: String(PACING_LIFTED.requestsPerWindow) });
    try {
      const sample = await sampleMails(10, { to: 'x@contoso.example', tag: 'mix' });
      print(
        `mix of every 10 mails: ${MAIL_KINDS.map((k) => `${sample.filter((m) => m.kind === k).length} ${k}`).join(', ')}; ` +
          `Graph simulator without latency or throttling, Graph pacing lifted to ${PACING_LIFTED.requestsPerWindow.toLocaleString('en-US')} requests per 10 min ` +
          `(with Outlook's 10,000 a mailbox takes at most ${PACING_LIFTED.realMailsPerSecond} new mails/s); ${ROUNDS} rounds, baseline and pipeline taking turns`,
      );
      const runs: Record<string, unknown>[] = [];
      for (const concurrency of CONCURRENCIES) runs.push(await atConcurrency(world, worker, concurrency, print));
      return { runs, replies: await replies(world, worker, print) };
    } finally {
      await worker.stop();
      await world.stop();
    }
  },
};
