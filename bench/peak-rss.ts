import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BlobServiceClient } from '@azure/storage-blob';
import { BlobContainers } from '../shared/store/containers';
import { startWorld, type World } from './env';
import { fixed, mb, listCounts, ratio } from './format';
import { channelSpec, deliverAll } from './mailbox';
import { bigAttachmentMail, firstIndexOf, sampleMail, type SampleMail } from './mails';
import type { Benchmark } from './benchmark';
import type { MemoryReport } from './protocol';
import { startWorker } from './worker-client';
import { WORKER_NODE_ARGUMENTS } from '../shared/config/worker-node-arguments';

/**
 * 3. Peak memory for one big mail: a fresh worker process is warmed up with two ordinary
 * mails (one with a PDF, so every code path is loaded), its RSS is read after a full GC
 * and its kernel peak (VmHWM) restarted there, then it processes one mail carrying a 25 MiB
 * binary attachment (the attachment policy's maximum, so it is stored, not blocked). Its
 * peak RSS meanwhile (VmHWM) is compared with the RSS before, and the increase with the raw
 * mail's size. The product runs no forced GC: the peak includes garbage waiting for V8.
 * "so every code path is loaded" holds for small mail only: the first mail over the stream
 * threshold grows the process once (young generation, buffer pools; its RSS stays there
 * after), so the same mail is measured again in a process that streamed a 6 MiB mail
 * first (`pipeline.afterLargeWarmup`): what a large mail adds to a process that has seen one.
 *
 * Baseline, in another fresh worker warmed up the same way: holding the same raw mail
 * and running simpleParser over it — the memory no MIME pipeline built on mailparser avoids.
 * A fresh process each, because a peak RSS never goes down.
 *
 * Then the same for a 150 MB mail (Exchange Online's largest; its ~108 MiB attachment
 * allowed by MAX_ATTACHMENT_MIB so that it is stored): its peak RSS against a 2 GB instance.
 * Mails above 4 MiB stream (shared/pipeline/large-mail.ts), so both increases are a bounded
 * working set, not a multiple of the mail.
 */
const ATTACHMENT_BYTES = 25 * 1024 * 1024;
/** The second row: a mail of Exchange Online's maximum size (150 MB), on a 2 GB instance. */
const LARGE_ATTACHMENT_BYTES = 108 * 1024 * 1024;
const INSTANCE_BYTES = 2 * 1024 * 1024 * 1024;

interface Peak {
  before: MemoryReport;
  after: MemoryReport;
  /** The worker's peak RSS while the mail ran: VmHWM, restarted at `before` (ru_maxrss where there is no /proc). */
  peak: number;
  increase: number;
}

/**
 * Not ru_maxrss: on Linux a forked child's ru_maxrss starts at its parent's RSS at fork()
 * (kept across exec), and the driver holds the big mails — the 150 MB row read the driver's
 * ~460 MB, not the worker's peak. VmHWM belongs to the worker's own process image.
 */
const peakOf = (before: MemoryReport, after: MemoryReport): Peak => {
  const peak = after.peakRssBytes ?? after.maxRssBytes;
  return { before, after, peak, increase: peak - before.rssBytes };
};

/** What a worker's peak says about how it was measured: ru_maxrss with no /proc, or ru_maxrss that is the driver's (inherited at fork). */
function peakNote(name: string, p: Peak): string | undefined {
  if (p.after.peakRssBytes === null) return `  note: no /proc here: the ${name} worker's peak is ru_maxrss, which counts the driver's RSS at fork() too (an upper bound)`;
  if (p.after.maxRssBytes > p.peak * 1.05) return `  (the ${name} worker's ru_maxrss, the figure before VmHWM, says ${mb(p.after.maxRssBytes)}: the driver's RSS when it forked the worker)`;
  return undefined;
}

async function baselinePeak(world: World, big: SampleMail): Promise<Peak> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mail-channel-bench-rss-'));
  const file = path.join(dir, 'big.eml');
  fs.writeFileSync(file, big.raw);
  const worker = await startWorker(world.workerEnv);
  try {
    await worker.call({ op: 'baseline', count: 10, concurrency: 1, tag: 'rss-base-warm', to: 'rss@contoso.example' });
    const before = await worker.call({ op: 'memory', resetPeak: true });
    await worker.call({ op: 'parseFile', path: file });
    return peakOf(before, await worker.call({ op: 'memory' }));
  } finally {
    await worker.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Whether Azurite holds an attachment blob of exactly `bytes` bytes. */
async function attachmentStored(world: World, bytes: number): Promise<boolean> {
  const container = BlobServiceClient.fromConnectionString(world.azurite.connectionString).getContainerClient(BlobContainers.attachments);
  for await (const blob of container.listBlobsFlat()) if (blob.properties.contentLength === bytes) return true;
  return false;
}

/** The warm-up's streamed mail (over the 4 MiB stream threshold), for a process that has streamed a large mail before. */
const WARM_LARGE_ATTACHMENT_BYTES = 6 * 1024 * 1024;

async function pipelinePeak(
  world: World,
  big: SampleMail,
  attachmentBytes: number,
  o: { mailbox?: string; channelId?: string; env?: Record<string, string>; warmLarge?: boolean } = {},
): Promise<Peak & { statuses: Record<string, number>; elapsedMs: number }> {
  const mailbox = o.mailbox ?? 'rss@contoso.example';
  const channelId = o.channelId ?? 'bench-rss';
  const worker = await startWorker({ ...world.workerEnv, ...o.env });
  try {
    await worker.call({ op: 'setupChannel', channel: channelSpec(world.sim, channelId, mailbox) });
    const warmup = [
      await sampleMail(firstIndexOf('plain'), { to: mailbox, tag: 'rss-warm' }),
      await sampleMail(firstIndexOf('pdf-200k'), { to: mailbox, tag: 'rss-warm' }),
      ...(o.warmLarge ? [await bigAttachmentMail(WARM_LARGE_ATTACHMENT_BYTES, { to: mailbox, tag: 'rss-warm-large' })] : []),
    ];
    await deliverAll(world.sim, mailbox, warmup);
    await worker.call({ op: 'list', channelId });
    const warm = await worker.call({ op: 'process', channelId, concurrency: 1 });
    if (warm.failed > 0) throw new Error(`warm-up failed: ${warm.errors.join(' | ')}`);

    await deliverAll(world.sim, mailbox, [big]);
    const listed = await worker.call({ op: 'list', channelId });
    if (listed.listed !== 1) throw new Error(`the sync listed ${listed.listed} mails, expected 1`);
    const before = await worker.call({ op: 'memory', resetPeak: true });
    const res = await worker.call({ op: 'process', channelId, concurrency: 1 });
    if (res.failed > 0) throw new Error(`processMail failed: ${res.errors.join(' | ')}`);
    const after = await worker.call({ op: 'memory' });
    // the second pass (the attachment streamed from the stored raw mail into Blob) is part of what is measured
    if (!(await attachmentStored(world, attachmentBytes))) throw new Error(`no stored attachment of ${attachmentBytes} bytes: the big attachment was blocked or lost, so its storing was not measured`);
    return { ...peakOf(before, after), statuses: res.statuses, elapsedMs: res.elapsedMs };
  } finally {
    await worker.stop();
  }
}

export const peakRss: Benchmark = {
  name: 'rss',
  title: '3. Peak RSS for one mail with a 25 MiB attachment, and for a 150 MB mail (fresh worker child processes)',
  async run({ print }) {
    const world = await startWorld();
    try {
      const big = await bigAttachmentMail(ATTACHMENT_BYTES, { to: 'rss@contoso.example', tag: 'rss' });
      const raw = big.raw.length;
      const pipeline = await pipelinePeak(world, big, ATTACHMENT_BYTES);
      // the same mail in a process that has streamed one large mail before: what the mail itself adds
      const warmed = await pipelinePeak(world, big, ATTACHMENT_BYTES, { mailbox: 'rss-warmed@contoso.example', channelId: 'bench-rss-warmed', warmLarge: true });
      const baseline = await baselinePeak(world, big);
      const nodeArguments = [WORKER_NODE_ARGUMENTS, process.env.BENCH_WORKER_NODE_ARGS ?? ''].join(' ').trim();
      print(`worker processes' Node.js options: ${nodeArguments} (Azure: languageWorkers__node__arguments = ${WORKER_NODE_ARGUMENTS})`);
      print(`raw mail ${mb(raw)} (attachment ${mb(ATTACHMENT_BYTES)}, base64 in the MIME); outcome ${listCounts(pipeline.statuses)} in ${fixed(pipeline.elapsedMs / 1000, 2)} s`);
      print(
        `pipeline: RSS after warm-up and GC ${mb(pipeline.before.rssBytes)}, peak while processing ${mb(pipeline.peak)} → ` +
          `increase ${mb(pipeline.increase)} = ${fixed(pipeline.increase / raw, 2)} × the raw mail size; RSS afterwards (after GC) ${mb(pipeline.after.rssBytes)}`,
      );
      print(
        `  the same mail in a process that streamed a ${mb(WARM_LARGE_ATTACHMENT_BYTES)} mail before: RSS before ${mb(warmed.before.rssBytes)}, peak ${mb(warmed.peak)} → ` +
          `increase ${mb(warmed.increase)} = ${fixed(warmed.increase / raw, 2)} × (the rest of the first figure is the process's one-time growth for streaming: its RSS stays there after the first large mail)`,
      );
      print(
        `baseline (raw mail in memory + simpleParser): RSS before ${mb(baseline.before.rssBytes)}, peak ${mb(baseline.peak)} → ` +
          `increase ${mb(baseline.increase)} = ${fixed(baseline.increase / raw, 2)} × the raw mail size`,
      );
      print(`ratio pipeline / baseline peak increase: ${fixed(ratio(pipeline.increase, baseline.increase), 2)}`);
      for (const [name, p] of [['pipeline', pipeline], ['baseline', baseline]] as const) {
        const note = peakNote(name, p);
        if (note) print(note);
      }

      // A 150 MB mail (Exchange Online's maximum), its ~108 MiB attachment allowed and stored.
      const huge = await bigAttachmentMail(LARGE_ATTACHMENT_BYTES, { to: 'rss-large@contoso.example', tag: 'rss-large' });
      const large = await pipelinePeak(world, huge, LARGE_ATTACHMENT_BYTES, { mailbox: 'rss-large@contoso.example', channelId: 'bench-rss-large', env: { MAX_ATTACHMENT_MIB: '128' } });
      print(
        `150 MB mail: raw ${mb(huge.raw.length)} (attachment ${mb(LARGE_ATTACHMENT_BYTES)}); outcome ${listCounts(large.statuses)} in ${fixed(large.elapsedMs / 1000, 2)} s; ` +
          `peak RSS ${mb(large.peak)} (of a 2 GB instance: ${fixed((100 * large.peak) / INSTANCE_BYTES, 1)} %), increase ${mb(large.increase)} = ${fixed(large.increase / huge.raw.length, 2)} × the raw mail size`,
      );
      const largeNote = peakNote('150 MB mail', large);
      if (largeNote) print(largeNote);
      return {
        rawBytes: raw,
        attachmentBytes: ATTACHMENT_BYTES,
        peakMeasuredBy: pipeline.after.peakRssBytes === null ? 'ru_maxrss' : 'VmHWM',
        workerNodeArguments: nodeArguments,
        pipeline: {
          rssBeforeBytes: pipeline.before.rssBytes,
          peakRssBytes: pipeline.peak,
          maxRssGetrusageBytes: pipeline.after.maxRssBytes,
          rssAfterBytes: pipeline.after.rssBytes,
          peakIncreaseBytes: pipeline.increase,
          increaseOverRawSize: pipeline.increase / raw,
          statuses: pipeline.statuses,
          afterLargeWarmup: { rssBeforeBytes: warmed.before.rssBytes, peakRssBytes: warmed.peak, peakIncreaseBytes: warmed.increase, increaseOverRawSize: warmed.increase / raw },
        },
        baseline: { rssBeforeBytes: baseline.before.rssBytes, peakRssBytes: baseline.peak, maxRssGetrusageBytes: baseline.after.maxRssBytes, peakIncreaseBytes: baseline.increase, increaseOverRawSize: baseline.increase / raw },
        ratio: ratio(pipeline.increase, baseline.increase),
        large: {
          rawBytes: huge.raw.length,
          attachmentBytes: LARGE_ATTACHMENT_BYTES,
          rssBeforeBytes: large.before.rssBytes,
          peakRssBytes: large.peak,
          maxRssGetrusageBytes: large.after.maxRssBytes,
          peakIncreaseBytes: large.increase,
          increaseOverRawSize: large.increase / huge.raw.length,
          withinInstance: large.peak < INSTANCE_BYTES,
          statuses: large.statuses,
        },
      };
    } finally {
      await world.stop();
    }
  },
};
