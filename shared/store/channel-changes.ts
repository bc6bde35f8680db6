import type { z } from 'zod';
import { ChannelRecord } from '../config/channel';
import { container } from './cosmos';
import { queryAll } from './cosmos-items';

/**
 * Following channel changes without reading every channel: Cosmos stamps every write
 * with `_ts` (epoch seconds, indexed), so "channels written since the last run" is one
 * range query that reads only those. A run saves a cursor document; the `_ts` of that
 * save is the next run's starting point, so both sides come from Cosmos' clock. Deletes
 * leave no `_ts`, so a full pass (every channel) runs now and then to catch them.
 */

/** A run's cursor as saved, with Cosmos' `_ts` of the save. */
export interface SavedChangeCursor<C extends { fullAt: string }> {
  cursor: C;
  savedAtTs: number;
}

/** A cursor document as read back, with the `_ts` of its save; undefined when absent or not a valid cursor. */
export function savedCursorOf<C extends { fullAt: string }>(doc: unknown, schema: z.ZodType<C>): SavedChangeCursor<C> | undefined {
  const parsed = schema.safeParse(doc);
  const ts = (doc as { _ts?: unknown } | undefined)?._ts;
  return parsed.success && typeof ts === 'number' ? { cursor: parsed.data, savedAtTs: ts } : undefined;
}

/** How often the full pass (every channel) runs. */
export const FULL_PASS_EVERY_MS = 60 * 60_000;
/**
 * How far back of the previous run's cursor save each run re-reads changed channels: a
 * channel written while that run was reading is still seen.
 */
export const CHANGE_OVERLAP_SECONDS = 60;

/** Whether this run does the full pass, and else from which `_ts` to read changed channels. */
export function changeWindow(
  saved: SavedChangeCursor<{ fullAt: string }> | undefined,
  now: Date,
  overlapSeconds = CHANGE_OVERLAP_SECONDS,
): { since: number | undefined; full: boolean } {
  const sinceFull = saved ? now.getTime() - Date.parse(saved.cursor.fullAt) : NaN;
  // A full pass "in the future" is a clock that went back (or an instance's clock ahead): trust none of it.
  const full = !(sinceFull >= 0 && sinceFull < FULL_PASS_EVERY_MS);
  return { since: full || !saved ? undefined : saved.savedAtTs - overlapSeconds, full };
}

/**
 * Channels written at or after `since` (Cosmos `_ts`, epoch seconds; indexed, so the
 * query reads only those), or every channel.
 */
export async function channelsChangedSince(since: number | undefined): Promise<ChannelRecord[]> {
  const c = await container('channels');
  const docs =
    since === undefined
      ? await queryAll<unknown>(c, 'SELECT * FROM c')
      : await queryAll<unknown>(c, 'SELECT * FROM c WHERE c._ts >= @since', [{ name: '@since', value: since }]);
  // A document that is not a valid channel is not scheduled (the channel list reports it).
  return docs.flatMap((d) => {
    const r = ChannelRecord.safeParse(d);
    return r.success ? [r.data] : [];
  });
}
