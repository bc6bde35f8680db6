import type { ChannelRecord } from '../config/channel';
import type { MailboxSyncMessage } from '../queue/contracts';
import { changeWindow } from '../store/channel-changes';
import { SCHEDULE_PARTITION, type ScheduleEntry, type StoredEntry, type SyncScheduleStore } from '../store/sync-schedule';
import { inParallel } from '../in-parallel';

/**
 * scheduleSync (timer, every minute): one `mailbox-sync` job per published channel whose
 * next sync time has come. The channels are not read on every run: each published channel
 * has a small schedule entry with its `dueAt` (store/sync-schedule.ts), and the run asks
 * for the entries due now — an indexed range query, paged — so a run's work is the number
 * of channels due, not the number of channels.
 *
 * The entries follow the channels by Cosmos' `_ts`: each run first reads the channels
 * written since the previous run (usually none) and adds, changes or removes their
 * entries; once an hour a full pass also removes the entries of deleted channels and
 * repairs any entry a failed write left behind.
 *
 * Two runs may overlap (a slow run, two instances): an entry is claimed by an
 * ETag-guarded write of its next due time before its job is enqueued, so each due time
 * gives exactly one job (a lost claim means another run enqueued it).
 */
export interface ScheduleDeps {
  store: SyncScheduleStore;
  /** Channels written at or after `since` (Cosmos `_ts`, epoch seconds); undefined: every channel. */
  channelsChangedSince(since: number | undefined): Promise<ChannelRecord[]>;
  enqueueSync(message: MailboxSyncMessage): Promise<void>;
  /** Graph channels get change notifications (PUBLIC_BASE_URL is set): polling is only their safety net. */
  pushEnabled: boolean;
  now(): Date;
  /** Default CHANGE_OVERLAP_SECONDS; tests that cannot wait a minute lower it. */
  changeOverlapSeconds?: number;
}

/** A few seconds of slack so a 60 s interval is not skipped by timer jitter. */
export const SLACK_MS = 5_000;
/**
 * Polling interval of a channel whose mail arrives by change notification: a safety net
 * for lost notifications and a failed subscription, not the way mail is found.
 */
export const PUSH_SAFETY_INTERVAL_SECONDS = 15 * 60;
/** Due entries read per page, and jobs enqueued at once. */
export const PAGE_SIZE = 500;
export const PARALLELISM = 16;

export function syncIntervalSeconds(channel: ChannelRecord, pushEnabled: boolean): number {
  const poll = channel.connection.pollIntervalSeconds;
  return pushEnabled && channel.connection.protocol === 'graph' ? Math.max(poll, PUSH_SAFETY_INTERVAL_SECONDS) : poll;
}

/** The next due time after a sync was requested at `now`. */
export function nextDueAt(entry: Pick<ScheduleEntry, 'intervalSeconds'>, now: Date): string {
  return new Date(now.getTime() + entry.intervalSeconds * 1000 - SLACK_MS).toISOString();
}

export function isDue(entry: Pick<ScheduleEntry, 'dueAt'>, now: Date): boolean {
  return Date.parse(entry.dueAt) <= now.getTime();
}

export interface ScheduleChanges {
  put: ScheduleEntry[];
  remove: string[];
}

/**
 * What the entries of `channels` must become: a published channel has an entry (a new
 * one is due at once; a changed interval moves the due time to the new interval after
 * the last request, never later than it was), any other channel has none. With `full`,
 * `channels` are all the channels and entries of channels not among them are removed.
 */
export function planScheduleChanges(
  channels: readonly ChannelRecord[],
  entries: ReadonlyMap<string, ScheduleEntry>,
  opts: { now: Date; pushEnabled: boolean; full: boolean },
): ScheduleChanges {
  const changes: ScheduleChanges = { put: [], remove: [] };
  const seen = new Set<string>();
  for (const channel of channels) {
    seen.add(channel.id);
    const current = entries.get(channel.id);
    if (channel.status !== 'published') {
      if (current) changes.remove.push(channel.id);
      continue;
    }
    const intervalSeconds = syncIntervalSeconds(channel, opts.pushEnabled);
    if (current?.intervalSeconds === intervalSeconds) continue;
    const soonest = current?.lastRequestedAt ? nextDueAt({ intervalSeconds }, new Date(current.lastRequestedAt)) : opts.now.toISOString();
    const dueAt = current && Date.parse(current.dueAt) < Date.parse(soonest) ? current.dueAt : soonest;
    changes.put.push({ ...(current ?? { lastRequestedAt: undefined }), ...scheduleEntryKeys(channel.id), intervalSeconds, dueAt, updatedAt: opts.now.toISOString() });
  }
  if (opts.full) for (const id of entries.keys()) if (!seen.has(id)) changes.remove.push(id);
  return changes;
}

function scheduleEntryKeys(channelId: string): Pick<ScheduleEntry, 'id' | 'channelId' | 'kind' | 'forChannel'> {
  return { id: channelId, channelId: SCHEDULE_PARTITION, kind: 'syncSchedule', forChannel: channelId };
}

export interface ScheduleReport {
  /** Channels whose sync was enqueued by this run. */
  enqueued: string[];
  /** Due entries another run claimed first. */
  contended: number;
  /** Due entries read, in how many queries. */
  dueRead: number;
  pages: number;
  /** Channels read to follow their changes, and whether this was the full pass. */
  channelsRead: number;
  full: boolean;
  put: number;
  removed: number;
  failed: { channelId: string; message: string }[];
}

export async function scheduleSync(deps: ScheduleDeps): Promise<ScheduleReport> {
  const now = deps.now();
  const report: ScheduleReport = { enqueued: [], contended: 0, dueRead: 0, pages: 0, channelsRead: 0, full: false, put: 0, removed: 0, failed: [] };
  await followChannels(deps, now, report);

  const message = (channelId: string): MailboxSyncMessage => ({ channelId, reason: 'schedule', fullResync: false, requestedAt: now.toISOString() });
  // Entries this run could not claim or enqueue: left out of the next pages, so every page makes progress.
  const stuck = new Set<string>();
  const failed = (due: StoredEntry, err: unknown) => {
    stuck.add(due.entry.forChannel);
    report.failed.push({ channelId: due.entry.forChannel, message: err instanceof Error ? err.message : String(err) });
  };
  // One channel's trouble never stops the others.
  const one = async (due: StoredEntry): Promise<void> => {
    let claimed: StoredEntry | undefined;
    try {
      claimed = await deps.store.claim(due, { ...due.entry, dueAt: nextDueAt(due.entry, now), lastRequestedAt: now.toISOString(), updatedAt: now.toISOString() });
    } catch (err) {
      failed(due, err);
      return;
    }
    if (!claimed) {
      report.contended++;
      stuck.add(due.entry.forChannel);
      return;
    }
    try {
      await deps.enqueueSync(message(due.entry.forChannel));
      report.enqueued.push(due.entry.forChannel);
    } catch (err) {
      // Give the due time back so the next run tries again (best effort: else it waits one interval).
      await deps.store.claim(claimed, { ...due.entry, updatedAt: now.toISOString() }).catch(() => undefined);
      failed(due, err);
    }
  };
  // Claimed entries are no longer due, so each page starts again from the earliest.
  for (;;) {
    const page = await deps.store.duePage(now, PAGE_SIZE, [...stuck]);
    report.pages++;
    report.dueRead += page.length;
    await inParallel(page, PARALLELISM, one);
    if (page.length < PAGE_SIZE) break;
  }
  return report;
}

async function followChannels(deps: ScheduleDeps, now: Date, report: ScheduleReport): Promise<void> {
  const cursor = await deps.store.readCursor();
  const { since, full } = changeWindow(cursor, now, deps.changeOverlapSeconds);
  const channels = await deps.channelsChangedSince(since);
  const entries = full ? await deps.store.listAll() : await deps.store.readMany(channels.map((c) => c.id));
  const changes = planScheduleChanges(channels, new Map(entries.map((e) => [e.forChannel, e])), { now, pushEnabled: deps.pushEnabled, full });
  await inParallel(changes.put, PARALLELISM, (e) => deps.store.put(e));
  await inParallel(changes.remove, PARALLELISM, (id) => deps.store.remove(id));
  await deps.store.saveCursor({ fullAt: full ? now.toISOString() : (cursor?.cursor.fullAt ?? now.toISOString()), updatedAt: now.toISOString() });
  Object.assign(report, { channelsRead: channels.length, full, put: changes.put.length, removed: changes.remove.length });
}
