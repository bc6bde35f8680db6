import type { ItemDefinition } from '@azure/cosmos';
import { z } from 'zod';
import { SourceRef } from '../queue/contracts';
import { ReasonCode, StageRecord } from '../pipeline/decision';
import { container } from './cosmos';
import { createThenReplaceIfMatch, createUnlessExists, readItem } from './cosmos-items';
import { cosmosStatus } from './errors';

/**
 * The ledger: one record per mail per channel (id = ledger key, pk = channelId).
 * It is the memory that makes processing exactly-once, and the admin's view of what
 * happened to every message.
 *
 * Lifecycle: `received` (raw stored, nothing decided) → `decided` (outcome and any
 * ticket stored; the mail may not be moved yet) → `done` (moved, or left in place).
 * A redelivery reads the record and only does what is left.
 */
/** `noted`: the mail became a note on an existing ticket (a reply). */
export const Outcome = z.enum(['created', 'noted', 'ignored', 'rejected', 'failed', 'left']);
export type Outcome = z.infer<typeof Outcome>;

/**
 * What a finished mail added to its channel's hourly counters (store/channel-stats.ts):
 * kept on the record by the same guarded write that closes it, so a redelivery counts
 * nothing again and a retry moves the count from its old outcome to its new one.
 */
export const Tally = z.object({
  /** The clock hour (ISO) of the mail's first attempt: the counter document it is counted in. */
  hour: z.string(),
  outcome: Outcome,
  reasonCode: z.string().optional(),
  /** Index into the latency histogram's bounds (pipeline/stats-tally.ts `LATENCY_BOUNDS_MS`). */
  latencyBucket: z.number().int().min(0).optional(),
});
export type Tally = z.infer<typeof Tally>;

export const LedgerRecord = z.object({
  id: z.string(),
  channelId: z.string(),
  state: z.enum(['received', 'decided', 'done']),
  messageId: z.string().optional(),
  rawSha256: z.string().optional(),
  rawBlob: z.string().optional(),
  rawSize: z.number().optional(),
  subject: z.string().optional(),
  from: z.string().optional(),
  /** Graph only: the mail's conversation, as listed (kept for a retry from the stored raw). */
  conversationId: z.string().optional(),
  /** Where the mail is now. */
  source: SourceRef,
  /**
   * Where the mail was first listed (`source` changes when it moves): a message for this
   * place is this copy again, never a duplicate of itself. Absent on older records.
   */
  origin: SourceRef.optional(),
  /**
   * The queue delivery working on the record, until `until`: another message for the same
   * place meanwhile is a no-op (that delivery finishes the mail, or its redelivery does).
   */
  claim: z.object({ by: z.string(), until: z.string() }).optional(),
  imported: z.boolean().default(false),
  outcome: Outcome.optional(),
  reasonCode: z.union([ReasonCode, z.string()]).optional(),
  reason: z.string().optional(),
  /** The ticket the mail created, or (outcome `noted`) the ticket it became a note on. */
  ticketId: z.string().optional(),
  /** The note the mail became (outcome `noted`). */
  noteId: z.string().optional(),
  /** What thread resolution found and what it meant: the ticket, how it was found, why it was (not) attached. */
  thread: z
    .object({ ticketId: z.string().optional(), code: z.string(), reason: z.string(), signals: z.array(z.string()).default([]) })
    .optional(),
  /** The mails the decision asked to send, or why none went (each with its reason). */
  answers: z
    .array(z.object({ purpose: z.string(), outboxId: z.string().optional(), to: z.string().optional(), suppression: z.object({ code: z.string(), message: z.string() }).optional() }))
    .optional(),
  stages: z.array(StageRecord).default([]),
  targetFolder: z.string().optional(),
  movedAt: z.string().optional(),
  attempts: z.number().int().default(0),
  lastError: z.object({ code: z.string(), message: z.string(), at: z.string() }).optional(),
  /**
   * Other copies of the same mail (same Message-ID, another place), one entry per place:
   * no new ticket; each is moved to the first copy's folder (`movedAt`) once that one is
   * decided, so a copy seen while the first is in flight waits here, not in the queue.
   */
  duplicates: z.array(z.object({ source: SourceRef, seenAt: z.string(), movedAt: z.string().optional() })).default([]),
  timings: z.object({
    receivedAt: z.string().optional(),
    enqueuedAt: z.string().optional(),
    firstAttemptAt: z.string(),
    decidedAt: z.string().optional(),
    doneAt: z.string().optional(),
    /** Mailbox receipt (or enqueue) to done, ms. */
    latencyMs: z.number().optional(),
  }),
  retries: z.number().int().default(0),
  /** What this mail counts as in the channel's stats since it was last closed (absent: never closed, or closed before counters). */
  tally: Tally.optional(),
  updatedAt: z.string(),
});
export type LedgerRecord = z.infer<typeof LedgerRecord>;
export type LedgerWithEtag = { record: LedgerRecord; etag: string };

export async function readLedger(channelId: string, key: string): Promise<LedgerWithEtag | undefined> {
  const c = await container('ledger');
  const resource = await readItem(c, key, channelId);
  if (!resource) return undefined;
  return { record: LedgerRecord.parse(resource), etag: resource._etag as string };
}

/**
 * The record of the mail whose copy was listed at `ref` (its first copy's place, or a
 * recorded duplicate's), for a message that names a place but no Message-ID (so its key
 * needs the mail's bytes) when the mail has left that place.
 */
export async function findLedgerByPlace(channelId: string, ref: SourceRef): Promise<LedgerWithEtag | undefined> {
  const c = await container('ledger');
  const at = (p: string) =>
    `${p}.protocol = @protocol AND LOWER(${p}.folder) = @folder AND ` +
    (ref.protocol === 'imap' ? `${p}.uidValidity = @a AND ${p}.uid = @b` : `${p}.messageId = @a AND @b = 0`);
  const [a, b] = ref.protocol === 'imap' ? [ref.uidValidity, ref.uid] : [ref.messageId, 0];
  const parameters = [
    { name: '@channelId', value: channelId },
    { name: '@protocol', value: ref.protocol },
    { name: '@folder', value: ref.folder.toLowerCase() },
    { name: '@a', value: a },
    { name: '@b', value: b },
  ];
  for (const query of [
    `SELECT * FROM c WHERE c.channelId = @channelId AND ${at('c.origin')}`,
    `SELECT VALUE c FROM c JOIN d IN c.duplicates WHERE c.channelId = @channelId AND ${at('d.source')}`,
  ]) {
    const { resources } = await c.items.query({ query, parameters }).fetchAll();
    const found = resources[0] as ({ _etag: string } & Record<string, unknown>) | undefined;
    if (found) return { record: LedgerRecord.parse(found), etag: found._etag };
  }
  return undefined;
}

/** Creates the record; returns undefined when another worker created it first (409). */
export async function createLedger(record: LedgerRecord): Promise<LedgerWithEtag | undefined> {
  const c = await container('ledger');
  try {
    const { resource } = await c.items.create(LedgerRecord.parse(record));
    return { record, etag: (resource as { _etag: string })._etag };
  } catch (err) {
    if (cosmosStatus(err) === 409) return undefined;
    throw err;
  }
}

/**
 * Replaces the record if it is unchanged since `etag`; throws a 412 error otherwise.
 * `entries`: documents of the record's partition to create once each with it (the mail's
 * thread-index entries, store/thread-index.ts), in the same request (a batch) when none of
 * them exists yet; on a 412 they may or may not have been created, and whoever closes the
 * record creates them.
 */
export async function replaceLedger(record: LedgerRecord, etag: string, entries: readonly (ItemDefinition & { id: string; channelId: string })[] = []): Promise<LedgerWithEtag> {
  const c = await container('ledger');
  const next = LedgerRecord.parse({ ...record, updatedAt: new Date().toISOString() });
  if (entries.some((e) => e.channelId !== record.channelId)) throw new Error(`entries written with ledger record ${record.id} must be of its channel`);
  if (entries.length) {
    const written = await createThenReplaceIfMatch(c, entries, next, etag, record.channelId);
    if (written) return { record: next, etag: written };
    // one of them existed (a redelivery, or a Message-ID seen before): each on its own (the first writer keeps its entry), then the record
    for (const e of entries) await createUnlessExists(c, e);
  }
  const { resource } = await c.item(record.id, record.channelId).replace(next, { accessCondition: { type: 'IfMatch', condition: etag } });
  return { record: next, etag: (resource as { _etag: string })._etag };
}

export interface LedgerQuery {
  outcome?: Outcome;
  state?: LedgerRecord['state'];
  limit?: number;
  continuationToken?: string;
}

/** Newest first. */
export async function listLedger(channelId: string, q: LedgerQuery = {}): Promise<{ items: LedgerRecord[]; continuationToken?: string }> {
  const c = await container('ledger');
  // IS_DEFINED(c.state): records only, not the thread-index entries kept beside them
  const where = ['c.channelId = @channelId', 'IS_DEFINED(c.state)'];
  const parameters: { name: string; value: string }[] = [{ name: '@channelId', value: channelId }];
  if (q.outcome) { where.push('c.outcome = @outcome'); parameters.push({ name: '@outcome', value: q.outcome }); }
  if (q.state) { where.push('c.state = @state'); parameters.push({ name: '@state', value: q.state }); }
  const iterator = c.items.query<LedgerRecord>(
    { query: `SELECT * FROM c WHERE ${where.join(' AND ')} ORDER BY c.timings.firstAttemptAt DESC`, parameters },
    { maxItemCount: Math.min(q.limit ?? 50, 200), continuationToken: q.continuationToken },
  );
  const page = await iterator.fetchNext();
  return { items: page.resources.map((r) => LedgerRecord.parse(r)), continuationToken: page.continuationToken };
}

export interface LedgerStats {
  /** Mails (one record per mail, however many copies of it arrived). */
  total: number;
  byOutcome: Record<string, number>;
  /** Mail not finished yet (received or decided but not moved). */
  inFlight: number;
  /** The unfinished mail by state: `received` has no outcome yet; `decided` waits for its move. */
  inFlightByState: { received: number; decided: number };
  /** When the oldest unfinished mail was first attempted: old means stuck (e.g. its worker died and the queue has not redelivered it yet). */
  inFlightSince?: string;
  /** Further copies of mails (same Message-ID, another place), one per place: no ticket of their own. */
  duplicates: number;
  /** Mailbox receipt → done, over finished mail. */
  latencyMs: { p50?: number; p95?: number; max?: number };
  /** Failure and rejection reasons with their counts, most frequent first. */
  reasons: { code: string; count: number }[];
}

/**
 * Monitoring figures of one channel from its ledger. Reads a projection of every record
 * of the channel (one partition): fine for the volumes of a service-desk mailbox; a
 * channel with millions of records would want pre-aggregated counters.
 */
export async function ledgerStats(channelId: string, window: { since?: string } = {}): Promise<LedgerStats> {
  const c = await container('ledger');
  // `since` keeps the mails first attempted at or after it (e.g. the admin page's last 24 h).
  const parameters = [{ name: '@channelId', value: channelId }, ...(window.since ? [{ name: '@since', value: window.since }] : [])];
  const { resources } = await c.items
    .query<{ outcome?: string; state: string; latencyMs?: number; reasonCode?: string; firstAttemptAt?: string; duplicates?: number }>({
      query:
        'SELECT c.outcome, c.state, c.timings.latencyMs AS latencyMs, c.reasonCode, c.timings.firstAttemptAt AS firstAttemptAt, ARRAY_LENGTH(c.duplicates) AS duplicates FROM c WHERE c.channelId = @channelId AND IS_DEFINED(c.state)' +
        (window.since ? ' AND c.timings.firstAttemptAt >= @since' : ''),
      parameters,
    })
    .fetchAll();
  const byOutcome: Record<string, number> = {};
  const reasons = new Map<string, number>();
  const latencies: number[] = [];
  const inFlightByState = { received: 0, decided: 0 };
  let inFlightSince: string | undefined;
  let duplicates = 0;
  for (const r of resources) {
    if (r.state === 'received' || r.state === 'decided') {
      inFlightByState[r.state]++;
      if (r.firstAttemptAt && (!inFlightSince || r.firstAttemptAt < inFlightSince)) inFlightSince = r.firstAttemptAt;
    }
    duplicates += r.duplicates ?? 0;
    if (r.outcome) byOutcome[r.outcome] = (byOutcome[r.outcome] ?? 0) + 1;
    if (r.reasonCode && (r.outcome === 'failed' || r.outcome === 'rejected')) reasons.set(r.reasonCode, (reasons.get(r.reasonCode) ?? 0) + 1);
    if (r.state === 'done' && typeof r.latencyMs === 'number') latencies.push(r.latencyMs);
  }
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => (latencies.length ? latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] : undefined);
  return {
    total: resources.length,
    byOutcome,
    inFlight: inFlightByState.received + inFlightByState.decided,
    inFlightByState,
    ...(inFlightSince ? { inFlightSince } : {}),
    duplicates,
    latencyMs: { p50: pct(0.5), p95: pct(0.95), max: latencies.at(-1) },
    reasons: [...reasons].map(([code, count]) => ({ code, count })).sort((a, b) => b.count - a.count),
  };
}
