import { z } from 'zod';
import { SourceRef } from '../queue/contracts';
import { ReasonCode, StageRecord } from '../pipeline/decision';
import { container } from './cosmos';
import { readItem } from './cosmos-items';
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
export const Outcome = z.enum(['created', 'ignored', 'rejected', 'failed', 'left']);
export type Outcome = z.infer<typeof Outcome>;

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
  /** Where the mail is now. */
  source: SourceRef,
  imported: z.boolean().default(false),
  outcome: Outcome.optional(),
  reasonCode: z.union([ReasonCode, z.string()]).optional(),
  reason: z.string().optional(),
  ticketId: z.string().optional(),
  stages: z.array(StageRecord).default([]),
  targetFolder: z.string().optional(),
  movedAt: z.string().optional(),
  attempts: z.number().int().default(0),
  lastError: z.object({ code: z.string(), message: z.string(), at: z.string() }).optional(),
  /** Other copies of the same mail seen later (same Message-ID): moved along, no new ticket. */
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

/** Replaces the record if it is unchanged since `etag`; throws a 412 error otherwise. */
export async function replaceLedger(record: LedgerRecord, etag: string): Promise<LedgerWithEtag> {
  const c = await container('ledger');
  const next = LedgerRecord.parse({ ...record, updatedAt: new Date().toISOString() });
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
  const where = ['c.channelId = @channelId'];
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
  total: number;
  byOutcome: Record<string, number>;
  /** Mail not finished yet (received or decided but not moved). */
  inFlight: number;
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
export async function ledgerStats(channelId: string): Promise<LedgerStats> {
  const c = await container('ledger');
  const { resources } = await c.items
    .query<{ outcome?: string; state: string; latencyMs?: number; reasonCode?: string }>({
      query: 'SELECT c.outcome, c.state, c.timings.latencyMs AS latencyMs, c.reasonCode FROM c WHERE c.channelId = @channelId',
      parameters: [{ name: '@channelId', value: channelId }],
    })
    .fetchAll();
  const byOutcome: Record<string, number> = {};
  const reasons = new Map<string, number>();
  const latencies: number[] = [];
  let inFlight = 0;
  for (const r of resources) {
    if (r.state !== 'done') inFlight++;
    if (r.outcome) byOutcome[r.outcome] = (byOutcome[r.outcome] ?? 0) + 1;
    if (r.reasonCode && (r.outcome === 'failed' || r.outcome === 'rejected')) reasons.set(r.reasonCode, (reasons.get(r.reasonCode) ?? 0) + 1);
    if (r.state === 'done' && typeof r.latencyMs === 'number') latencies.push(r.latencyMs);
  }
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => (latencies.length ? latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] : undefined);
  return {
    total: resources.length,
    byOutcome,
    inFlight,
    latencyMs: { p50: pct(0.5), p95: pct(0.95), max: latencies.at(-1) },
    reasons: [...reasons].map(([code, count]) => ({ code, count })).sort((a, b) => b.count - a.count),
  };
}
