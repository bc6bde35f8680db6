import { performance } from 'node:perf_hooks';
import type { DequeuedMessageItem } from '@azure/storage-queue';
import { processMail } from '../../shared/pipeline/process-mail';
import { processDeps, syncDeps } from '../../shared/pipeline/runtime';
import { syncMailbox } from '../../shared/pipeline/sync-mailbox';
import { MailInboundMessage, QueueNames } from '../../shared/queue/contracts';
import { queueClient } from '../../shared/queue/send';
import type { DrainReport } from '../protocol';
import { errorText, statusKey } from './process';

/**
 * The backlog path as it runs in Azure: the real syncMailbox puts one message per listed
 * mail on Azurite's `mail-inbound` queue, and a consumer shaped like the Functions host's
 * queue trigger (host.json: visibility 30 s on failure, 5 dequeues then poison) keeps
 * `parallel` processMail calls in flight until every message is settled.
 */
const MAX_DEQUEUE_COUNT = 5;
const RETRY_VISIBILITY_SECONDS = 30;
/** The lease while a message is being processed (the host's is 10 min). */
const LEASE_SECONDS = 600;
/** An empty queue is polled again after this (the host backs off up to 2 s; a benchmark should not wait on polling). */
const IDLE_POLL_MS = 100;

const quiet = () => undefined;

export async function syncToQueue(channelId: string): Promise<{ listed: number; elapsedMs: number }> {
  const started = performance.now();
  const report = await syncMailbox({ channelId, reason: 'manual', fullResync: false, requestedAt: new Date().toISOString() }, syncDeps(quiet));
  return { listed: report.folders.reduce((n, f) => n + f.listed, 0), elapsedMs: performance.now() - started };
}

/** The sync and the consumer at once, as in the host (its queue trigger takes messages while the sync still lists); both clocks start together. */
export async function syncAndDrain(channelId: string, expected: number, parallel: number): Promise<{ sync: { listed: number; elapsedMs: number }; drain: DrainReport }> {
  const [sync, drain] = await Promise.all([syncToQueue(channelId), drainQueue(expected, parallel)]);
  return { sync, drain };
}

export async function drainQueue(expected: number, parallel: number): Promise<DrainReport> {
  const queue = await queueClient(QueueNames.mailInbound);
  const poison = await queueClient(QueueNames.mailInboundPoison);
  const deps = processDeps(quiet);
  const statuses: Record<string, number> = {};
  const errors: string[] = [];
  let inFlight = 0;
  let settled = 0;
  let processed = 0;
  let failedAttempts = 0;
  let poisoned = 0;
  let wake: () => void = () => undefined;

  const handle = async (m: DequeuedMessageItem): Promise<void> => {
    try {
      const msg = MailInboundMessage.parse(JSON.parse(Buffer.from(m.messageText, 'base64').toString('utf8')));
      const key = statusKey(await processMail(msg, deps));
      statuses[key] = (statuses[key] ?? 0) + 1;
      await queue.deleteMessage(m.messageId, m.popReceipt);
      processed++;
      settled++;
    } catch (err) {
      failedAttempts++;
      if (errors.length < 5) errors.push(errorText(err));
      try {
        if (m.dequeueCount >= MAX_DEQUEUE_COUNT) {
          await poison.sendMessage(m.messageText, { messageTimeToLive: -1 });
          await queue.deleteMessage(m.messageId, m.popReceipt);
          poisoned++;
          settled++;
        } else {
          await queue.updateMessage(m.messageId, m.popReceipt, undefined, RETRY_VISIBILITY_SECONDS);
        }
      } catch (queueErr) {
        if (errors.length < 5) errors.push(`queue: ${errorText(queueErr)}`);
      }
    } finally {
      inFlight--;
      wake();
    }
  };

  const started = performance.now();
  while (settled < expected) {
    const free = parallel - inFlight;
    if (free > 0) {
      const { receivedMessageItems } = await queue.receiveMessages({ numberOfMessages: Math.min(32, free), visibilityTimeout: LEASE_SECONDS });
      for (const m of receivedMessageItems) {
        inFlight++;
        void handle(m);
      }
      if (receivedMessageItems.length > 0) continue;
    }
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, IDLE_POLL_MS);
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
  return { elapsedMs: performance.now() - started, processed, statuses, failedAttempts, poisoned, errors };
}
