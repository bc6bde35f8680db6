import { performance } from 'node:perf_hooks';
import { sendJobDeps } from '../../shared/outbound/runtime';
import { sendOutbound } from '../../shared/outbound/send-job';
import { container } from '../../shared/store/cosmos';
import { queryAll } from '../../shared/store/cosmos-items';
import type { SendReport } from '../protocol';
import { inParallel } from '../../shared/in-parallel';
import { withRetries } from './process';

/**
 * The send side of the outbox, as the `mail-outbound` queue trigger runs it
 * (functions/send-mail.ts) minus the queue: the real send job with the real deps (Cosmos,
 * Blob, the channel's Graph sender). The queue messages the pipeline wrote stay on Azurite
 * unread: each names one outbox record, which is all the job needs.
 */
const quiet = () => undefined;

export async function queuedOutbox(channelId: string): Promise<{ outboxIds: string[] }> {
  const rows = await queryAll<{ id: string }>(
    await container('outbox'),
    "SELECT c.id FROM c WHERE c.channelId = @channelId AND c.state = 'queued'",
    [{ name: '@channelId', value: channelId }],
  );
  return { outboxIds: rows.map((r) => r.id).sort() };
}

/** `retries`: a failed send is tried again (same delivery id, as the queue redelivers the same message) up to this many times. */
export async function sendOutboxed(channelId: string, outboxIds: readonly string[], concurrency: number, retries = 0): Promise<SendReport> {
  const deps = sendJobDeps(quiet);
  const outcomes: Record<string, number> = {};
  const errors: string[] = [];
  let failed = 0;
  const started = performance.now();
  await inParallel(outboxIds, concurrency, async (outboxId) => {
    const message = { channelId, outboxId, enqueuedAt: new Date().toISOString() };
    const outcome = await withRetries(retries, errors, async () => (await sendOutbound(message, deps, { id: `bench-${outboxId}` })).outcome);
    if (outcome === undefined) failed++;
    else outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
  });
  return { mails: outboxIds.length, elapsedMs: performance.now() - started, outcomes, failed, errors };
}
