import { enqueueOutbound, type EnqueueOutboundDeps } from './enqueue';
import type { OutboxRecord } from './outbox';

/**
 * Sends what a decision or an agent asked for: for each record, first its Message-ID into
 * the thread index (so the answer to it finds the ticket, even a reply faster than our
 * `sent` write), then the outbox records and their queue messages (enqueue.ts). Every step
 * is create-once: a repeated dispatch (a redelivered mail, a retried request) queues no
 * second mail.
 */
export interface DispatchDeps extends EnqueueOutboundDeps {
  recordSentMessageId(channelId: string, messageId: string, ticketId: string, outboxId: string): Promise<void>;
}

/** `sentRecorded`: the caller wrote the records' thread-index entries already (carry-out.ts, in one batch with the received mail's). */
export async function dispatchOutgoing(records: readonly OutboxRecord[], deps: DispatchDeps, options: { sentRecorded?: boolean } = {}): Promise<{ created: number; existing: number }> {
  if (!options.sentRecorded) for (const r of records) if (r.ticketId) await deps.recordSentMessageId(r.channelId, r.messageId, r.ticketId, r.id);
  return enqueueOutbound(records, deps);
}
