import { z } from 'zod';
import type { ApiOperation } from '../http/handler';
import { HttpError, ValidationError } from '../http/api-error';
import { readRawBody } from '../http/body';
import { parseOrThrow } from '../http/validation';
import { getRawMail } from '../store/blobs';
import { downloadHeaders } from './attachments';
import { busy, dryRunJsonOperation, runDryRun } from './dry-run-operation';
import { dryRunMemoryBudget, processMemoryBudget, tryAcquireAll } from '../pipeline/memory-budget';
import { MailboxSyncMessage, MailInboundMessage, QueueNames } from '../queue/contracts';
import { sendQueueMessage } from '../queue/send';
import { readChannelRecord } from '../store/channel-repository';
import { NotFoundError } from '../store/errors';
import { listLedger, Outcome, readLedger } from '../store/ledger';
import { readHourCounters, readInFlight } from '../store/channel-stats';
import { statsFromCounts } from '../pipeline/stats-tally';
import { readChannelState } from '../store/sync-state';
import { cosmosSyncScheduleStore } from '../store/sync-schedule';
import { ledgerOutcomePoints } from '../store/ledger-series';
import { hourCounterPoints, outcomeSeries, SeriesTooLongError, type OutcomeSeries } from './stats-series';
import type { ChannelStatsView } from './stats-view';
import { settings } from '../config/settings';
import { channelNotifications } from '../notifications/status';
import { cosmosSubscriptionStore } from '../notifications/subscription-store';

/**
 * Admin operations on a channel's mail: the dry run, the ledger (each mail's fate),
 * retry, and monitoring figures.
 */

/** Largest .eml the dry run accepts (Exchange Online's default maximum message size is 35 MB). */
export const MAX_DRY_RUN_BYTES = 36 * 1024 * 1024;

/**
 * What the dry run takes: a raw mail. Not `text/plain`, the one of these a cross-site form
 * could send (see shared/http/cross-site.ts).
 */
export const DRY_RUN_CONTENT_TYPES = ['message/rfc822', 'application/octet-stream'] as const;

async function channelOf(id: string) {
  const stored = await readChannelRecord(id);
  if (!stored) throw new NotFoundError('channel', id);
  return stored.record;
}

const MessagesQuery = z.object({
  outcome: Outcome.optional(),
  state: z.enum(['received', 'decided', 'done']).optional(),
  limit: z.coerce.number().int().min(1).max(200).optional(),
  continuationToken: z.string().min(1).optional(),
});

const query = (req: Parameters<ApiOperation>[0]) => Object.fromEntries(req.request.query.entries());

const SyncQuery = z.object({ fullResync: z.enum(['true', 'false']).optional() });

/** POST /api/channels/{id}/sync?fullResync= — read the mailbox now. */
export const syncChannelOperation: ApiOperation = async (req) => {
  const channel = await channelOf(req.param('id'));
  const q = parseOrThrow(SyncQuery, query(req));
  if (channel.status !== 'published') throw new HttpError(409, 'not_published', `channel "${channel.name}" is ${channel.status}: only a published channel reads its mailbox`);
  const requestedAt = new Date().toISOString();
  await sendQueueMessage(QueueNames.mailboxSync, MailboxSyncMessage, { channelId: channel.id, reason: 'manual', fullResync: q.fullResync === 'true', requestedAt });
  return { status: 202, body: { channelId: channel.id, status: 'queued', requestedAt } };
};

/**
 * The raw bytes a dry run holds while it parses: the declared Content-Length, or the
 * largest accepted mail when none is declared (chunked upload).
 */
function dryRunReservation(declared: string | null): number {
  const n = Number(declared ?? NaN);
  return Number.isInteger(n) && n > 0 && n <= MAX_DRY_RUN_BYTES ? n : MAX_DRY_RUN_BYTES;
}

/**
 * POST /api/channels/{id}/dry-run — body: the raw mail (message/rfc822). No side effects.
 * It parses a mail as the pipeline does, so it takes its share of the process's memory
 * budget first (and of the dry runs' half of it) — without waiting: when there is no room
 * it answers 503 with Retry-After.
 */
export const dryRunOperation: ApiOperation = async (req) => {
  // The JSON form (sample by text, base64 or stored key; optional configuration patch): the channel editor's live preview.
  if (isJson(req.request.headers.get('content-type'))) return dryRunJsonOperation(req);
  const release = tryAcquireAll([processMemoryBudget, dryRunMemoryBudget], dryRunReservation(req.request.headers.get('content-length')));
  if (!release) throw busy();
  try {
    const channel = await channelOf(req.param('id'));
    const raw = await readRawBody(req.request, MAX_DRY_RUN_BYTES, DRY_RUN_CONTENT_TYPES);
    return { body: await runDryRun(channel, raw, req.request.query.get('folder') ?? undefined) };
  } finally {
    release();
  }
};

const isJson = (contentType: string | null) => (contentType ?? '').split(';')[0]?.trim().toLowerCase() === 'application/json';

/** GET /api/channels/{id}/messages?outcome=&state=&limit=&continuationToken= — the ledger, newest first. */
export const listMessagesOperation: ApiOperation = async (req) => {
  const channel = await channelOf(req.param('id'));
  const q = parseOrThrow(MessagesQuery, query(req));
  const page = await listLedger(channel.id, q);
  return { body: { items: page.items, ...(page.continuationToken ? { continuationToken: page.continuationToken } : {}) } };
};

/** GET /api/channels/{id}/messages/{key} — one mail's record with every stage's decision. */
export const getMessageOperation: ApiOperation = async (req) => {
  const channel = await channelOf(req.param('id'));
  const key = req.param('key');
  const entry = await readLedger(channel.id, key);
  if (!entry) throw new NotFoundError('message', key);
  return { body: entry.record };
};

/**
 * GET /api/channels/{id}/messages/{key}/raw — the complete original mail as stored (notes
 * and tickets keep the new text only and link here). Always a download, never rendered.
 */
export const getMessageRawOperation: ApiOperation = async (req) => {
  const channel = await channelOf(req.param('id'));
  const key = req.param('key');
  const entry = await readLedger(channel.id, key);
  if (!entry) throw new NotFoundError('message', key);
  if (!entry.record.rawBlob) throw new HttpError(410, 'not-stored', `the mail ${key} was never fetched, so its original is not stored`);
  const raw = await getRawMail(entry.record.rawBlob);
  return { rawBody: raw, headers: downloadHeaders({ filename: `${key}.eml`, contentType: 'message/rfc822' }, raw.length) };
};

/** POST /api/channels/{id}/messages/{key}/retry — reprocess from the stored raw MIME. */
export const retryMessageOperation: ApiOperation = async (req) => {
  const channel = await channelOf(req.param('id'));
  const key = req.param('key');
  const entry = await readLedger(channel.id, key);
  if (!entry) throw new NotFoundError('message', key);
  // A poisoned mail whose move failed stays `decided` with outcome failed: retrying it is the way out.
  if (entry.record.state !== 'done' && entry.record.outcome !== 'failed') {
    // A worker that died holds the mail until its queue message is visible again (up to 10 minutes): say so, with the time.
    const claim = entry.record.claim;
    const holder = claim ? `; claimed by a delivery until ${claim.until}: if its worker died, its queue message comes back within 10 minutes and finishes it` : '';
    throw new HttpError(409, 'in_progress', `mail ${key} is still being processed (state ${entry.record.state} since ${entry.record.timings.firstAttemptAt}${holder}); retry it once it is done`);
  }
  await sendQueueMessage(QueueNames.mailInbound, MailInboundMessage, {
    channelId: channel.id,
    source: entry.record.source,
    internetMessageId: entry.record.messageId,
    enqueuedAt: new Date().toISOString(),
    imported: entry.record.imported,
    retryOfLedgerKey: key,
  });
  return { status: 202, body: { key, status: 'queued', previousOutcome: entry.record.outcome } };
};

const StatsQuery = z.object({
  since: z.iso.datetime({ offset: true }).optional(),
  bucketMinutes: z.coerce.number().int().min(1).max(1440).optional(),
});

/**
 * GET /api/channels/{id}/stats?since=&bucketMinutes= — counts per outcome, latency percentiles, failure reasons, and the last sync (with its error);
 * with bucketMinutes also `series`, the mails per outcome in time buckets (the monitoring chart).
 */
export const channelStatsOperation: ApiOperation = async (req) => {
  const channel = await channelOf(req.param('id'));
  const q = parseOrThrow(StatsQuery, query(req));
  const since = q.since ? new Date(q.since).toISOString() : undefined;
  // A series of whole hours is made from the same hourly counters; only shorter buckets read the ledger (its finished mails).
  const fromLedger = q.bucketMinutes !== undefined && q.bucketMinutes % 60 !== 0;
  const [hours, inFlight, sync, schedule, ledgerPoints, subscriptions] = await Promise.all([
    // the channel's hourly counters and its mail in flight (counterStats' two reads, made here so the series reuses the hours): a constant number of reads however long the ledger is
    readHourCounters(channel.id, since),
    readInFlight(channel.id, since),
    readChannelState(channel.id),
    // when the scheduler last asked for a sync is kept on the channel's due-time entry
    cosmosSyncScheduleStore().readMany([channel.id]),
    fromLedger ? ledgerOutcomePoints(channel.id, since) : undefined,
    // a Graph channel's change subscriptions: one query in the channel's partition
    channel.connection.protocol === 'graph' ? cosmosSubscriptionStore().listForChannels([channel.id]) : [],
  ]);
  const stats = statsFromCounts(hours, inFlight);
  const notifications = channelNotifications(channel, subscriptions.map((s) => s.record), settings().PUBLIC_BASE_URL, new Date());
  let series: OutcomeSeries | undefined;
  if (q.bucketMinutes) {
    try {
      series = outcomeSeries(ledgerPoints ?? hourCounterPoints(hours), { bucketMinutes: q.bucketMinutes, from: since ? new Date(since) : undefined, to: new Date() });
    } catch (err) {
      if (err instanceof SeriesTooLongError) throw new ValidationError([{ path: 'bucketMinutes', message: err.message }]);
      throw err;
    }
  }
  const body: ChannelStatsView = {
    channelId: channel.id,
    status: channel.status,
    sync: { lastRequestedAt: schedule[0]?.lastRequestedAt ?? sync?.lastRequestedAt, lastSyncedAt: sync?.lastSyncedAt, lastError: sync?.lastError },
    ...(notifications ? { notifications } : {}),
    ...stats,
    ...(series ? { series } : {}),
  };
  return { body };
};
