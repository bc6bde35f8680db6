import { z } from 'zod';

/**
 * What the benchmark driver asks of its worker process (bench/worker.ts) over Node's IPC
 * channel, and what the worker answers. Validated on both ends: a mismatch between the two
 * sides names the field instead of producing a silently wrong figure.
 */

/** A published Graph channel on the simulator, as the worker stores it. */
export const ChannelSpec = z.object({
  id: z.string().min(1),
  mailbox: z.string().min(1),
  host: z.string().min(1),
  port: z.number().int(),
  tenantId: z.string().min(1),
  clientId: z.string().min(1),
  clientSecret: z.string().min(1),
  tokenEndpoint: z.url(),
});
export type ChannelSpec = z.infer<typeof ChannelSpec>;

/** What a benchmark sets beyond the defaults an admin who changed nothing has. */
export const ChannelSettings = z.object({
  /** Templates whose tickets take replies as notes (`ticketMapping.whitelist`); default none. */
  whitelist: z.array(z.string().min(1)).default([]),
  /** Acknowledge new tickets by mail (`answers.autoResponse.enabled`); default on, as a new channel has it. */
  autoResponse: z.boolean().default(true),
});
export type ChannelSettings = z.infer<typeof ChannelSettings>;

export const Command = z.discriminatedUnion('op', [
  /** Seeds the catalogue, stores the client secret in the secret store, creates the published channel record. */
  z.object({ op: z.literal('setupChannel'), channel: ChannelSpec, settings: ChannelSettings.prefault({}) }),
  /** The real syncMailbox; the listed mail is kept in the worker instead of being queued. */
  z.object({ op: z.literal('list'), channelId: z.string() }),
  /** processMail over the next `count` listed mails (all when absent), `concurrency` at a time. */
  z.object({
    op: z.literal('process'),
    channelId: z.string(),
    concurrency: z.number().int().min(1),
    count: z.number().int().min(1).optional(),
    timeDeps: z.boolean().default(false),
    /** A failed mail is tried again up to this many times, as the queue would redeliver it (for setting up; measured runs count failures instead). */
    retries: z.number().int().min(0).default(0),
  }),
  /** The baseline: simpleParser + a ledger-sized and a ticket-sized Cosmos upsert per mail. */
  z.object({
    op: z.literal('baseline'),
    count: z.number().int().min(1),
    concurrency: z.number().int().min(1),
    tag: z.string(),
    to: z.string(),
    /** The raw mails (base64) to run it over, instead of `count` mails of the mix: the same mails the pipeline gets. */
    raws: z.array(z.base64()).optional(),
  }),
  /** The floor (bench/worker/floor.ts) over the mails `list` kept for the channel: fetch, Blob, parse, the baseline's 2 upserts, move. */
  z.object({ op: z.literal('floor'), channelId: z.string(), concurrency: z.number().int().min(1) }),
  /** The real syncMailbox with the real queue: listed mail goes to Azurite's mail-inbound queue. */
  z.object({ op: z.literal('syncToQueue'), channelId: z.string() }),
  /** Consumes mail-inbound like the Functions host: `parallel` messages in flight, retry on failure, poison after 5 dequeues. */
  z.object({ op: z.literal('drainQueue'), expected: z.number().int().min(1), parallel: z.number().int().min(1) }),
  /** syncToQueue and drainQueue at once, as in the host, where the queue trigger takes messages while the sync still lists. */
  z.object({ op: z.literal('syncAndDrain'), channelId: z.string(), expected: z.number().int().min(1), parallel: z.number().int().min(1) }),
  /** What Cosmos holds for the channel: tickets (and whether any is doubled) and ledger states. */
  z.object({ op: z.literal('verify'), channelId: z.string() }),
  /** Reads a raw mail from a file and runs simpleParser over it (the memory baseline). */
  z.object({ op: z.literal('parseFile'), path: z.string().min(1) }),
  /** The ids of the channel's outbox records still `queued` (bookkeeping: a query, not part of any figure). */
  z.object({ op: z.literal('queuedOutbox'), channelId: z.string() }),
  /** The real send job (outbound/send-job.ts) for these outbox records, `concurrency` at a time — as the mail-outbound trigger runs it. */
  z.object({ op: z.literal('send'), channelId: z.string(), outboxIds: z.array(z.string().min(1)), concurrency: z.number().int().min(1), retries: z.number().int().min(0).default(0) }),
  /**
   * Memory after a full garbage collection, and the process's peak RSS so far; `resetPeak`
   * then restarts the kernel's peak (VmHWM) from the RSS now, so the next reading's peak is
   * that of what ran in between.
   */
  z.object({ op: z.literal('memory'), resetPeak: z.boolean().default(false) }),
]);
export type Command = z.infer<typeof Command>;
/** A command as the driver writes it (defaults may be left out). */
export type CommandInput = z.input<typeof Command>;
export type Op = Command['op'];

const Counts = z.record(z.string(), z.number());

export const ProcessReport = z.object({
  mails: z.number(),
  elapsedMs: z.number(),
  /** `done:created`, `duplicate`, … per ProcessResult. */
  statuses: Counts,
  failed: z.number(),
  errors: z.array(z.string()),
  /** CPU time the worker process used meanwhile (user + system). */
  cpuMs: z.number(),
  /** Time spent inside each ProcessDeps function (summed over mails), when asked for. */
  depMs: z.record(z.string(), z.object({ calls: z.number(), ms: z.number() })).optional(),
});
export type ProcessReport = z.infer<typeof ProcessReport>;

export const SendReport = z.object({
  mails: z.number(),
  elapsedMs: z.number(),
  /** `sent`, `already-sent`, … per SendOutcome. */
  outcomes: Counts,
  failed: z.number(),
  errors: z.array(z.string()),
});
export type SendReport = z.infer<typeof SendReport>;

export const DrainReport = z.object({
  elapsedMs: z.number(),
  processed: z.number(),
  statuses: Counts,
  failedAttempts: z.number(),
  poisoned: z.number(),
  errors: z.array(z.string()),
});
export type DrainReport = z.infer<typeof DrainReport>;

export const VerifyReport = z.object({
  tickets: z.number(),
  distinctTicketIds: z.number(),
  distinctMessageIds: z.number(),
  /** Notes on the channel's tickets that came by mail, and on how many distinct tickets. */
  notes: z.number(),
  notedTickets: z.number(),
  ledgerRecords: z.number(),
  ledgerStates: Counts,
  ledgerOutcomes: Counts,
});
export type VerifyReport = z.infer<typeof VerifyReport>;

export const MemoryReport = z.object({
  rssBytes: z.number(),
  /** getrusage's ru_maxrss: on Linux it counts the parent's RSS at fork() too (kept across exec), so a fork of a big driver reads high. */
  maxRssBytes: z.number(),
  /** The kernel's peak RSS of this process image (VmHWM) since the last `resetPeak`; null where /proc is not there. */
  peakRssBytes: z.number().nullable(),
  heapUsedBytes: z.number(),
  externalBytes: z.number(),
  arrayBuffersBytes: z.number(),
});
export type MemoryReport = z.infer<typeof MemoryReport>;

/** The answer's schema for each command. */
export const Replies = {
  setupChannel: z.object({ channelId: z.string() }),
  list: z.object({ listed: z.number(), elapsedMs: z.number() }),
  process: ProcessReport,
  baseline: z.object({ mails: z.number(), elapsedMs: z.number(), bytes: z.number(), cpuMs: z.number() }),
  floor: z.object({ mails: z.number(), elapsedMs: z.number(), bytes: z.number(), cpuMs: z.number() }),
  syncToQueue: z.object({ listed: z.number(), elapsedMs: z.number() }),
  drainQueue: DrainReport,
  syncAndDrain: z.object({ sync: z.object({ listed: z.number(), elapsedMs: z.number() }), drain: DrainReport }),
  verify: VerifyReport,
  parseFile: z.object({ bytes: z.number(), elapsedMs: z.number(), attachments: z.number() }),
  queuedOutbox: z.object({ outboxIds: z.array(z.string()) }),
  send: SendReport,
  memory: MemoryReport,
} satisfies Record<Op, z.ZodType>;
export type Reply<O extends Op> = z.infer<(typeof Replies)[O]>;

/** The envelope on the wire. */
export const Request = z.object({ id: z.number(), command: Command });
export const Response = z.union([
  z.object({ id: z.number(), ok: z.literal(true), result: z.unknown() }),
  z.object({ id: z.number(), ok: z.literal(false), error: z.string() }),
]);
