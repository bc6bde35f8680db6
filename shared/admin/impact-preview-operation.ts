import type { ApiOperation } from '../http/handler';
import { HttpError } from '../http/api-error';
import { parseOrThrow } from '../http/validation';
import type { ChannelRecord } from '../config/channel';
import { classifyMail, classifyOptions } from '../mail/classify';
import { parseMailWithContent, type ParsedMailWithContent } from '../mail/parse';
import { dryRun, type DryRunDeps } from '../pipeline/dry-run';
import { dryRunMemoryBudget, processMemoryBudget, tryAcquireAll } from '../pipeline/memory-budget';
import { resolutionDeps } from '../pipeline/runtime';
import { getRawMail } from '../store/blobs';
import { listLedger, type LedgerRecord } from '../store/ledger';
import { getTemplate } from '../tickets/catalogue';
import { previewPatchedChannel } from './channel-service';
import { impactItem, ImpactPreviewQuery, impactSummary, verdictOf, type ImpactItem, type ImpactPreview } from './impact-preview';
import { MAX_DRY_RUN_BYTES } from './mail-operations';

/**
 * POST /api/channels/{id}/impact-preview?limit=N — body: a JSON merge patch of the channel
 * (what PATCH takes, validated alike, stored nowhere). Re-decides the channel's newest N
 * stored mails with the stored configuration and with the edited one, through the dry run
 * (read-only: no ledger write, no ticket, no move, no mail sent), and reports what changes.
 *
 * Memory: one mail at a time, so the preview holds at most its largest mail; it reserves
 * that from the process's and the dry runs' budget before the first, or answers 503.
 */

/** The ledger records read in search of mails with a stored original, at most (records without one are rare: never fetched). */
const MAX_RECORDS_SCANNED = 1000;
const RETRY_AFTER_SECONDS = 5;

export const impactPreviewOperation: ApiOperation = async (req) => {
  const { limit } = parseOrThrow(ImpactPreviewQuery, Object.fromEntries(req.request.query.entries()));
  const { current, edited } = await previewPatchedChannel(req.param('id'), await req.json());
  const mails = await newestStoredMails(current.id, limit);
  const largest = Math.max(0, ...mails.map((r) => Math.min(r.rawSize ?? MAX_DRY_RUN_BYTES, MAX_DRY_RUN_BYTES)));
  const release = tryAcquireAll([processMemoryBudget, dryRunMemoryBudget], largest);
  if (!release) {
    throw new HttpError(503, 'busy', 'the instance is processing as much mail as its memory allows; retry the impact preview shortly', undefined, {
      'retry-after': String(RETRY_AFTER_SECONDS),
    });
  }
  try {
    const resolve = resolutionDeps();
    const items: ImpactItem[] = [];
    const skipped: ImpactPreview['skipped'] = [];
    for (const record of mails) {
      const raw = await rawOf(record);
      if (raw) items.push(await compareOne(record, raw, current, edited, resolve));
      else skipped.push({ key: record.id, reason: 'its original is no longer in Blob storage' });
    }
    const body: ImpactPreview = { channelId: current.id, limit, items, skipped, summary: impactSummary(items) };
    return { body };
  } finally {
    release();
  }
};

type StoredMail = LedgerRecord & { rawBlob: string };

/** The channel's newest `limit` ledger records whose raw mail is stored, newest first. */
async function newestStoredMails(channelId: string, limit: number): Promise<StoredMail[]> {
  const picked: StoredMail[] = [];
  let scanned = 0;
  let continuationToken: string | undefined;
  do {
    const page = await listLedger(channelId, { limit, continuationToken });
    scanned += page.items.length;
    for (const r of page.items) if (hasRaw(r) && picked.length < limit) picked.push(r);
    continuationToken = page.continuationToken;
  } while (continuationToken && picked.length < limit && scanned < MAX_RECORDS_SCANNED);
  return picked;
}

const hasRaw = (r: LedgerRecord): r is StoredMail => r.rawBlob !== undefined;

/** The stored original; undefined when it is gone (someone deleted the blob): that mail is skipped, not the preview. */
async function rawOf(record: StoredMail): Promise<Buffer | undefined> {
  try {
    return await getRawMail(record.rawBlob);
  } catch (err) {
    if ((err as { statusCode?: number }).statusCode === 404) return undefined;
    throw err;
  }
}

/** One stored mail, parsed once, decided with both configurations. */
async function compareOne(record: LedgerRecord, raw: Buffer, current: ChannelRecord, edited: ChannelRecord, resolve: DryRunDeps['resolve']): Promise<ImpactItem> {
  // A mail that does not parse is decided as the dry run decides it (MIME_UNPARSEABLE), both times.
  const parsed: ParsedMailWithContent | Error = await parseMailWithContent(raw).catch((err: unknown) => (err instanceof Error ? err : new Error(String(err))));
  const deps: DryRunDeps = {
    getTemplate,
    parse: async () => {
      if (parsed instanceof Error) throw parsed;
      return parsed;
    },
    classify: (mail, ch) => classifyMail(mail, classifyOptions(ch)),
    resolve,
  };
  const folder = (record.origin ?? record.source).folder;
  const before = await dryRun(current, raw, deps, folder);
  const after = await dryRun(edited, raw, deps, folder);
  return impactItem(record, verdictOf(before), verdictOf(after));
}
