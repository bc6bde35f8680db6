import type { MailOutboundMessage } from '../queue/contracts';
import { attemptFailed, type OutboxRecord } from './outbox';
import { FUNCTION_TIMEOUT_MS } from '../function-timeout';

/**
 * The outbox sweep: a mail must never stay unsent because a queue message was lost — a
 * crash between an outbox record and its queue message, a message that expired, a record a
 * redelivery never came back for. Every few minutes the sweep looks at records still
 * `queued` (or `sending` past their claim) and not touched for a while:
 *
 * - dispatched (the thread index holds its `sent` Message-ID entry, which dispatch writes
 *   just before the queue message, after the note or status change it belongs to was
 *   stored): queued again — the send job sends a record at most once, so a second
 *   message for it is harmless;
 * - never dispatched after a day: the request or decision that wrote it died before it was
 *   committed (an agent reply whose note was never written), so it is marked failed with
 *   the reason instead of being sent on a guess.
 */
export const STALE_AFTER_MS = FUNCTION_TIMEOUT_MS + 60_000;
export const ABANDONED_AFTER_MS = 24 * 3_600_000;
/** At most this many records per sweep (the next sweep takes the rest). */
export const SWEEP_LIMIT = 500;

export interface SweepDeps {
  /** Records in state queued/sending not updated since `before`, oldest first, at most `limit` (a cross-partition query). */
  listStale(before: Date, limit: number): Promise<{ record: OutboxRecord; etag: string }[]>;
  /** Whether dispatch wrote the record's thread-index entry (one point read). */
  dispatched(record: OutboxRecord): Promise<boolean>;
  enqueue(message: MailOutboundMessage): Promise<void>;
  replaceOutbox(record: OutboxRecord, etag: string): Promise<unknown>;
  now(): Date;
}

export interface SweepReport {
  requeued: string[];
  abandoned: string[];
  waiting: number;
}

export async function sweepOutbox(deps: SweepDeps): Promise<SweepReport> {
  const now = deps.now();
  const stale = await deps.listStale(new Date(now.getTime() - STALE_AFTER_MS), SWEEP_LIMIT);
  const report: SweepReport = { requeued: [], abandoned: [], waiting: 0 };
  for (const { record, etag } of stale) {
    // records of the agent-reply kind are written before their note: only a dispatched one is committed
    if (!record.ticketId || (await deps.dispatched(record))) {
      await deps.enqueue({ channelId: record.channelId, outboxId: record.id, enqueuedAt: now.toISOString() });
      report.requeued.push(record.id);
    } else if (now.getTime() - Date.parse(record.createdAt) > ABANDONED_AFTER_MS) {
      const failed = attemptFailed(record, { code: 'NEVER_DISPATCHED', message: 'the request or decision that wrote this mail stopped before it was committed; it was never sent', retryable: false }, now);
      await deps.replaceOutbox(failed, etag).catch(() => undefined); // a concurrent change wins; the next sweep looks again
      report.abandoned.push(record.id);
    } else report.waiting++;
  }
  return report;
}
