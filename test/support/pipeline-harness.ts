import { TransientError } from '../../shared/errors';
import { randomUUID } from 'node:crypto';
import type { z } from 'zod';
import { AnswerSettings } from '../../shared/answers/answer-settings';
import type { ChannelRecord } from '../../shared/config/channel';
import { processMail, type ProcessDeps, type ProcessResult } from '../../shared/pipeline/process-mail';
import { recordFailure, type FailureResult } from '../../shared/pipeline/record-failure';
import { processDeps, syncDeps } from '../../shared/pipeline/runtime';
import { syncMailbox, type SyncDeps, type SyncReport } from '../../shared/pipeline/sync-mailbox';
import type { MailInboundMessage } from '../../shared/queue/contracts';
import { ledgerStats, listLedger, type LedgerRecord } from '../../shared/store/ledger';
import { queryTicketDocs } from '../../shared/store/ticket-repository';
import type { Ticket } from '../../shared/tickets/ticket';
import type { OutboxRecord } from '../../shared/outbound/outbox';
import { dispatchOutgoing } from '../../shared/outbound/dispatch';
import { dispatchDeps } from '../../shared/outbound/runtime';
import { channelRecord } from './fixtures';
import { MemoryMailbox } from './memory-mailbox';

/**
 * `syncMailbox`, `processMail` and `recordFailure` on their production seams
 * (`runtime.ts`: the real ledger, sync state and tickets in Cosmos — point the process at
 * an emulator first, see test/shared/store/emulator-env.ts), with an in-memory mailbox
 * and raw-mail store, and a queue the test drives: which message runs when, redeliveries,
 * rival messages, crashes. A seeded `random` decides every choice, so a failing seed can
 * be replayed.
 */

export { seededRandom } from './seeded-random';

/** A queue message as the host holds it: its id stays the same across redeliveries. */
export interface QueuedMail {
  id: string;
  body: MailInboundMessage;
  dequeueCount: number;
}

/** Thrown by every seam call of an attempt that "crashed" (as if the host was SIGKILLed). */
export class Crash extends Error {
  readonly code = 'TEST_CRASH';
}

export interface Harness {
  channel: ChannelRecord;
  mailbox: MemoryMailbox;
  log: string[];
  queue: QueuedMail[];
  poisoned: MailInboundMessage[];
  /** Outbox records the pipeline dispatched (in order; a redelivery dispatches the same record again). */
  outbox: OutboxRecord[];
  /** Process deps; `crashAfter`: the attempt dies at its n-th seam call (and every later one). */
  processDeps(opts?: { crashAfter?: number }): ProcessDeps;
  syncDeps(): SyncDeps;
  sync(reason?: 'manual' | 'schedule'): Promise<SyncReport>;
  deliver(q: QueuedMail, opts?: { crashAfter?: number }): Promise<ProcessResult>;
  poison(body: MailInboundMessage): Promise<FailureResult>;
  records(): Promise<LedgerRecord[]>;
  tickets(): Promise<Ticket[]>;
  stats(): ReturnType<typeof ledgerStats>;
}

/** The `mail-inbound` message a sync would queue for a mail appended to the harness's mailbox. */
export const inbound = (h: Harness, ref: ReturnType<Harness['mailbox']['append']>, messageId?: string): MailInboundMessage => ({
  channelId: h.channel.id,
  source: ref,
  internetMessageId: messageId,
  enqueuedAt: new Date().toISOString(),
  imported: false,
});

/** That message as the queue hands it over (a new queue message id unless given). */
export const queued = (body: MailInboundMessage, id = randomUUID()): QueuedMail => ({ id, body, dequeueCount: 0 });

export function pipelineHarness(opts: { channelId?: string; random?: () => number; publishedAt?: Date; answers?: z.input<typeof AnswerSettings> } = {}): Harness {
  const random = opts.random ?? Math.random;
  const pause = async () => {
    // a few turns of the event loop, so concurrent callers interleave differently per seed
    for (let i = Math.floor(random() * 3); i > 0; i--) await new Promise<void>((r) => setImmediate(r));
  };
  const mailbox = new MemoryMailbox(pause);
  const publishedAt = opts.publishedAt ?? new Date(Date.now() - 60_000);
  const channel = channelRecord({ id: opts.channelId ?? `ch-${randomUUID()}`, domains: { allowed: [], excludeAutoReplies: true, acceptNotifications: false }, publishedAt: publishedAt.toISOString(), ...(opts.answers ? { answers: AnswerSettings.parse(opts.answers) } : {}) });
  const log: string[] = [];
  const blobs = new Map<string, Buffer>();
  const queue: QueuedMail[] = [];
  const poisoned: MailInboundMessage[] = [];
  const outbox: OutboxRecord[] = [];
  const logFn = (m: string, p?: Record<string, unknown>) => void log.push(p ? `${m} ${JSON.stringify(p)}` : m);

  const base = processDeps(logFn);
  const pdeps = (o: { crashAfter?: number } = {}): ProcessDeps => {
    let left = o.crashAfter;
    const gate = async () => {
      await pause();
      if (left === undefined) return;
      if (left <= 0) throw new Crash('crashed');
      left--;
    };
    const gated = <A extends unknown[], R>(fn: (...args: A) => Promise<R>) => async (...args: A) => {
      await gate();
      return fn(...args);
    };
    return {
      ...base,
      loadChannel: async () => channel,
      openSource: async () => {
        const s = mailbox.source();
        return { ...s, fetchRaw: gated(s.fetchRaw), move: gated(s.move) };
      },
      putRawMail: gated(async (channelId, key, raw) => {
        blobs.set(`${channelId}/${key}`, raw);
        return `${channelId}/${key}`;
      }),
      getRawMail: gated(async (name) => {
        const raw = blobs.get(name);
        if (!raw) throw new Error(`no raw mail ${name}`);
        return raw;
      }),
      putAttachment: async (sha) => `attachments/${sha}`,
      readLedger: gated(base.readLedger),
      createLedger: gated(base.createLedger),
      replaceLedger: gated(base.replaceLedger),
      findLedgerByPlace: gated(base.findLedgerByPlace),
      createTicket: gated(base.createTicket),
      addNote: gated(base.addNote),
      recordThread: gated(base.recordThread),
      recordOwnMailBounce: gated(base.recordOwnMailBounce),
      // the real thread index and outbox records; the queue messages are kept here (the send job has its own tests)
      dispatch: gated(async (records, options) => {
        await dispatchOutgoing(records, { ...dispatchDeps(), enqueue: async () => undefined }, options);
        outbox.push(...records);
      }),
      reserveAnswer: gated(base.reserveAnswer),
      fault: undefined,
      memory: undefined,
      onDone: undefined,
    };
  };

  const sdeps = (): SyncDeps => ({
    ...syncDeps(logFn),
    loadChannel: async () => channel,
    openSource: async () => mailbox.source(),
    enqueueMail: async (messages) => {
      for (const body of messages) {
        await pause();
        queue.push({ id: randomUUID(), body, dequeueCount: 0 });
      }
    },
  });

  return {
    channel,
    mailbox,
    log,
    queue,
    poisoned,
    outbox,
    processDeps: pdeps,
    syncDeps: sdeps,
    sync: (reason = 'manual') => syncMailbox({ channelId: channel.id, reason, fullResync: false, requestedAt: new Date().toISOString() }, sdeps()),
    deliver: async (q, o) => {
      q.dequeueCount++;
      return processMail(q.body, pdeps(o), { id: q.id });
    },
    poison: async (body) => {
      poisoned.push(body);
      return recordFailure(body, pdeps());
    },
    records: async () => (await listLedger(channel.id, { limit: 200 })).items,
    tickets: () => queryTicketDocs({ channelId: channel.id }),
    stats: () => ledgerStats(channel.id),
  };
}

/**
 * Drains the harness queue with `workers` concurrent workers, as the host does: a failed
 * delivery comes back later with the same id; after five it goes to poison
 * (`recordFailure`). `crashChance`: the chance that a delivery (of its first two) dies
 * at a random seam call, without any clean-up.
 */
export async function drain(h: Harness, o: { random: () => number; workers: number; crashChance?: number; onStep?: () => Promise<void> }): Promise<{ deliveries: number; crashes: number; failures: string[] }> {
  let running = 0;
  let deliveries = 0;
  let crashes = 0;
  const failures: string[] = [];
  const worker = async () => {
    for (;;) {
      if (h.queue.length === 0) {
        if (running === 0) return;
        await new Promise<void>((r) => setImmediate(r));
        continue;
      }
      const [q] = h.queue.splice(Math.floor(o.random() * h.queue.length), 1);
      if (!q) continue;
      running++;
      deliveries++;
      const crash = q.dequeueCount < 2 && o.random() < (o.crashChance ?? 0);
      try {
        try {
          await h.deliver(q, crash ? { crashAfter: Math.floor(o.random() * 10) } : undefined);
        } catch (err) {
          if (err instanceof Crash) crashes++;
          else failures.push(`${(err as { code?: string }).code ?? ''} ${(err as Error).message}`);
          if (q.dequeueCount >= 5) await h.poison(q.body);
          else h.queue.splice(Math.floor(o.random() * (h.queue.length + 1)), 0, q);
        }
        await o.onStep?.();
      } finally {
        running--;
      }
    }
  };
  await Promise.all(Array.from({ length: o.workers }, worker));
  return { deliveries, crashes, failures };
}

/** The deps with a mailbox whose every move fails transiently (the server going away mid-move). */
export function withFailingMove(deps: ProcessDeps): ProcessDeps {
  return {
    ...deps,
    openSource: async (channel) => ({ ...(await deps.openSource(channel)), move: async () => { throw new TransientError('IMAP_UNAVAILABLE', 'the server went away mid-move'); } }),
  };
}
