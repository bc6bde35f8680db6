import type { MailOutboundMessage } from '../queue/contracts';
import type { OutboxRecord } from './outbox';

/**
 * Hands mails to the outbox: every record is written first (a record already there — 409 —
 * stands as it is: a redelivered decision does not queue a second mail), then one queue
 * message per record. A crash between the two leaves a record without a message; the
 * decision's redelivery enqueues it again, and a second message for a record is harmless
 * (the send job sends a record once).
 */
export interface EnqueueOutboundDeps {
  createOutbox(record: OutboxRecord): Promise<{ created: boolean }>;
  enqueue(message: MailOutboundMessage): Promise<void>;
  now(): Date;
}

export async function enqueueOutbound(records: readonly OutboxRecord[], deps: EnqueueOutboundDeps): Promise<{ created: number; existing: number }> {
  let created = 0;
  for (const r of records) {
    if ((await deps.createOutbox(r)).created) created++;
  }
  const enqueuedAt = deps.now().toISOString();
  for (const r of records) await deps.enqueue({ channelId: r.channelId, outboxId: r.id, enqueuedAt });
  return { created, existing: records.length - created };
}
