import type { Container } from '@azure/cosmos';
import { z } from 'zod';
import { container } from './cosmos';
import { queryAll, readItem } from './cosmos-items';
import { cosmosStatus } from './errors';
import { savedCursorOf, type SavedChangeCursor } from './channel-changes';

/**
 * The due-time index of the sync scheduler (pipeline/schedule-sync.ts): one small entry
 * per published channel with the time its next sync is due, in the container
 * `syncSchedule`, all in one partition (`~sync-schedule`, a value no channel id takes:
 * channel ids are UUIDs), so "which channels are due now" is one single-partition range
 * query on an indexed field, ordered and paged, whose cost follows the number of channels
 * due rather than the number of channels.
 *
 * Every write of a due time is ETag-guarded (claim), so two overlapping runs enqueue a
 * due channel once. One claim per channel-minute of ~10 RU is ~1,700 RU/s at 10,000
 * mailboxes polled every minute: within a serverless container's 5,000 RU/s, which is why
 * the entries have a container of their own rather than sharing syncState's with every
 * sync's folder-state writes.
 *
 * Until issue 9 the entries lived in syncState's `~sync-schedule` partition. The new
 * container starts empty, so the first run after the upgrade has no cursor, makes its full
 * pass and gives every published channel an entry due at once (one sync per channel, as on
 * a new deployment). The old entries stay in syncState, read by nothing (no syncState
 * reader asks that partition or kind); they may be deleted by hand (~0.3 KB a channel).
 */
export const SCHEDULE_PARTITION = '~sync-schedule';
const CURSOR_ID = '~cursor';

export const ScheduleEntry = z.object({
  /** The channel's id (unique within the partition). */
  id: z.string().min(1),
  channelId: z.literal(SCHEDULE_PARTITION),
  kind: z.literal('syncSchedule'),
  forChannel: z.string().min(1),
  /** Seconds between syncs (the channel's polling interval, longer when notifications bring its mail). */
  intervalSeconds: z.number().int().positive(),
  dueAt: z.iso.datetime(),
  lastRequestedAt: z.iso.datetime().optional(),
  updatedAt: z.iso.datetime(),
});
export type ScheduleEntry = z.infer<typeof ScheduleEntry>;

/** Where the scheduler left off following channel changes. */
export const ScheduleCursor = z.object({
  /** The last full pass (every channel against every entry). */
  fullAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
});
export type ScheduleCursor = z.infer<typeof ScheduleCursor>;

export type SavedCursor = SavedChangeCursor<ScheduleCursor>;

export interface StoredEntry {
  entry: ScheduleEntry;
  etag: string;
}

export interface SyncScheduleStore {
  readCursor(): Promise<SavedCursor | undefined>;
  saveCursor(cursor: ScheduleCursor): Promise<void>;
  /** Every entry (the hourly full pass). */
  listAll(): Promise<ScheduleEntry[]>;
  /** The entries of these channels (point reads; those that exist). */
  readMany(channelIds: readonly string[]): Promise<ScheduleEntry[]>;
  /**
   * Up to `limit` entries due at `now`, earliest first, leaving out `exclude` (entries this
   * run could not claim or enqueue). A claimed entry is no longer due, so the caller
   * asks again until a page comes back short.
   */
  duePage(now: Date, limit: number, exclude: readonly string[]): Promise<StoredEntry[]>;
  /** Replaces the entry if unchanged since read; undefined when another run changed it. */
  claim(current: StoredEntry, next: ScheduleEntry): Promise<StoredEntry | undefined>;
  put(entry: ScheduleEntry): Promise<void>;
  /** Removes the channel's entry (idempotent). */
  remove(channelId: string): Promise<void>;
}

function toStored(resource: unknown): StoredEntry {
  const etag = (resource as { _etag?: unknown })._etag;
  if (typeof etag !== 'string') throw new Error('schedule entry without _etag');
  return { entry: ScheduleEntry.parse(resource), etag };
}

export function cosmosSyncScheduleStore(getContainer: () => Promise<Container> = () => container('syncSchedule')): SyncScheduleStore {
  const partition = { name: '@p', value: SCHEDULE_PARTITION };
  return {
    async readCursor() {
      return savedCursorOf(await readItem(await getContainer(), CURSOR_ID, SCHEDULE_PARTITION), ScheduleCursor);
    },
    async saveCursor(cursor) {
      await (await getContainer()).items.upsert({ id: CURSOR_ID, channelId: SCHEDULE_PARTITION, kind: 'syncScheduleCursor', ...ScheduleCursor.parse(cursor) });
    },
    async listAll() {
      const docs = await queryAll<unknown>(await getContainer(), "SELECT * FROM c WHERE c.channelId = @p AND c.kind = 'syncSchedule'", [partition], SCHEDULE_PARTITION);
      return docs.map((d) => ScheduleEntry.parse(d));
    },
    async readMany(channelIds) {
      const c = await getContainer();
      const docs = await Promise.all(channelIds.map((id) => readItem(c, id, SCHEDULE_PARTITION)));
      return docs.flatMap((d) => (d ? [ScheduleEntry.parse(d)] : []));
    },
    async duePage(now, limit, exclude) {
      const top = Math.max(1, Math.floor(limit));
      const docs = await queryAll<unknown>(
        await getContainer(),
        `SELECT TOP ${top} * FROM c WHERE c.channelId = @p AND c.kind = 'syncSchedule' AND c.dueAt <= @now AND NOT ARRAY_CONTAINS(@exclude, c.id) ORDER BY c.dueAt`,
        [partition, { name: '@now', value: now.toISOString() }, { name: '@exclude', value: [...exclude] }],
        SCHEDULE_PARTITION,
      );
      return docs.map(toStored);
    },
    async claim(current, next) {
      try {
        const { resource } = await (await getContainer())
          .item(current.entry.id, SCHEDULE_PARTITION)
          .replace(ScheduleEntry.parse(next), { accessCondition: { type: 'IfMatch', condition: current.etag } });
        return toStored(resource);
      } catch (err) {
        const status = cosmosStatus(err);
        if (status === 412 || status === 404) return undefined;
        throw err;
      }
    },
    async put(entry) {
      await (await getContainer()).items.upsert(ScheduleEntry.parse(entry));
    },
    async remove(channelId) {
      try {
        await (await getContainer()).item(channelId, SCHEDULE_PARTITION).delete();
      } catch (err) {
        if (cosmosStatus(err) !== 404) throw err;
      }
    },
  };
}
