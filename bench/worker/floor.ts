import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { simpleParser } from 'mailparser';
import { inParallel } from '../../shared/in-parallel';
import { processDeps } from '../../shared/pipeline/runtime';
import { putRawMail } from '../../shared/store/blobs';
import type { Reply } from '../protocol';
import { writeLedgerAndTicket } from './baseline';
import { takeListed } from './process';

const quiet = () => undefined;

/**
 * The floor: the least any design of this channel must do for a listed new mail, through the
 * same clients the pipeline uses — fetch the raw MIME from the mailbox (1 Graph request), keep
 * it in Blob (1 write), parse it (simpleParser), write a ledger and a ticket document
 * (the baseline's 2 upserts), move the mail to the success folder (1 Graph request).
 * Nothing else: no ETags, no claim, no thread index, no stats, no answers, no decision.
 * It is what the pipeline would cost if every one of its extra guarantees were free, so
 * pipeline ÷ floor says how much of the gap to the baseline is the pipeline's own.
 */
export async function runFloor(channelId: string, concurrency: number): Promise<Reply<'floor'>> {
  const deps = processDeps(quiet);
  const channel = await deps.loadChannel(channelId);
  if (!channel) throw new Error(`no channel ${channelId}`);
  const source = await deps.openSource(channel);
  const batch = takeListed(channelId);
  let bytes = 0;
  const started = performance.now();
  const cpu = process.cpuUsage();
  try {
    await inParallel(batch, concurrency, async (msg) => {
      const raw = await source.fetchRaw(msg.source);
      bytes += raw.length;
      const parsed = await simpleParser(raw);
      await putRawMail(channelId, randomUUID(), raw);
      await writeLedgerAndTicket(parsed);
      await source.move(msg.source, channel.folders.success);
    });
  } finally {
    await source.close();
  }
  const elapsedMs = performance.now() - started;
  const used = process.cpuUsage(cpu);
  return { mails: batch.length, elapsedMs, cpuMs: (used.user + used.system) / 1000, bytes };
}
