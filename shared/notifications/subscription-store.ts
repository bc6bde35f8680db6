import type { Container } from '@azure/cosmos';
import { z } from 'zod';
import { savedCursorOf, type SavedChangeCursor } from '../store/channel-changes';
import { container } from '../store/cosmos';
import { queryAll, readItem } from '../store/cosmos-items';
import { cosmosStatus } from '../store/errors';
import {
  SUBSCRIPTION_INDEX_PARTITION, SubscriptionIndexEntry, SubscriptionRecord, subscriptionIndexId, type StoredSubscription,
} from './subscription-record';

/**
 * Subscription records in Cosmos (`syncState`, pk /channelId, `kind: 'subscription'`).
 * Writes are conditional: `create` fails softly when the record exists (another run got
 * there first), `replace` and `remove` when it changed since it was read (ETag). Callers
 * treat a soft failure as "someone else is on it" and move on.
 *
 * Finding the record of a subscription id goes through the index (subscription-record.ts):
 * one point read for an unknown id, two for a known one — whatever an anonymous caller sends.
 */
export interface SubscriptionStore {
  /** Every subscription record of every channel (the maintenance run's view). */
  listAll(): Promise<StoredSubscription[]>;
  /**
   * The records with something to do now: renewal time reached (or not stamped yet), an
   * action requested by a lifecycle event, or not active (creating, failed). An indexed
   * query: its cost follows the records returned, not the records stored.
   */
  listDue(now: Date): Promise<StoredSubscription[]>;
  /** Every record of these channels. */
  listForChannels(channelIds: readonly string[]): Promise<StoredSubscription[]>;
  readCursor(): Promise<SavedChangeCursor<MaintenanceCursor> | undefined>;
  saveCursor(cursor: MaintenanceCursor): Promise<void>;
  /** The record that holds Graph subscription `subscriptionId`, if any (by point reads). */
  findBySubscriptionId(subscriptionId: string): Promise<StoredSubscription | undefined>;
  /** Makes the record findable by its subscription id (idempotent). */
  index(record: SubscriptionRecord & { subscriptionId: string }): Promise<void>;
  /** Forgets a subscription id (idempotent). */
  unindex(subscriptionId: string): Promise<void>;
  /** Every index entry (one partition). */
  listIndex(): Promise<SubscriptionIndexEntry[]>;
  read(channelId: string, id: string): Promise<StoredSubscription | undefined>;
  /** Creates the record; undefined when one with its id exists already. */
  create(record: SubscriptionRecord): Promise<StoredSubscription | undefined>;
  /** Replaces it if its ETag is still `etag`; undefined when it changed or is gone. */
  replace(record: SubscriptionRecord, etag: string): Promise<StoredSubscription | undefined>;
  /** Deletes it if its ETag is still `etag` (or it is gone already); false when it changed. */
  remove(record: SubscriptionRecord, etag: string): Promise<boolean>;
}

/** Where the maintenance run left off following channel changes (a document in the index partition). */
export const MaintenanceCursor = z.object({ fullAt: z.iso.datetime(), updatedAt: z.iso.datetime() });
export type MaintenanceCursor = z.infer<typeof MaintenanceCursor>;
const CURSOR_ID = '~maintenance-cursor';

function toStored(resource: unknown): StoredSubscription {
  const etag = (resource as { _etag?: unknown })._etag;
  if (typeof etag !== 'string') throw new Error('subscription record without _etag');
  return { record: SubscriptionRecord.parse(resource), etag };
}

const ifMatch = (etag: string) => ({ accessCondition: { type: 'IfMatch', condition: etag } });

export function cosmosSubscriptionStore(getContainer: () => Promise<Container> = () => container('syncState')): SubscriptionStore {
  return {
    async listAll() {
      const docs = await queryAll<unknown>(await getContainer(), "SELECT * FROM c WHERE c.kind = 'subscription'");
      return docs.map(toStored);
    },
    async listDue(now) {
      const docs = await queryAll<unknown>(
        await getContainer(),
        "SELECT * FROM c WHERE c.kind = 'subscription' AND (NOT IS_DEFINED(c.renewAt) OR c.renewAt <= @now OR IS_DEFINED(c.requested) OR c.state != 'active')",
        [{ name: '@now', value: now.toISOString() }],
      );
      return docs.map(toStored);
    },
    async listForChannels(channelIds) {
      if (channelIds.length === 0) return [];
      // one channel: a single-partition query
      const docs = await queryAll<unknown>(await getContainer(), "SELECT * FROM c WHERE c.kind = 'subscription' AND ARRAY_CONTAINS(@ids, c.channelId)", [
        { name: '@ids', value: [...channelIds] },
      ], channelIds.length === 1 ? channelIds[0] : undefined);
      return docs.map(toStored);
    },
    async readCursor() {
      return savedCursorOf(await readItem(await getContainer(), CURSOR_ID, SUBSCRIPTION_INDEX_PARTITION), MaintenanceCursor);
    },
    async saveCursor(cursor) {
      await (await getContainer()).items.upsert({ id: CURSOR_ID, channelId: SUBSCRIPTION_INDEX_PARTITION, kind: 'subscriptionCursor', ...MaintenanceCursor.parse(cursor) });
    },
    async findBySubscriptionId(subscriptionId) {
      const c = await getContainer();
      const entry = SubscriptionIndexEntry.safeParse(await readItem(c, subscriptionIndexId(subscriptionId), SUBSCRIPTION_INDEX_PARTITION));
      if (!entry.success || entry.data.subscriptionId !== subscriptionId) return undefined;
      const doc = await readItem(c, entry.data.record.id, entry.data.record.channelId);
      const stored = doc ? toStored(doc) : undefined;
      // The entry may have outlived the subscription: the record holds another one by now.
      return stored?.record.subscriptionId === subscriptionId ? stored : undefined;
    },
    async index(record) {
      const entry: SubscriptionIndexEntry = {
        id: subscriptionIndexId(record.subscriptionId),
        channelId: SUBSCRIPTION_INDEX_PARTITION,
        kind: 'subscriptionIndex',
        subscriptionId: record.subscriptionId,
        record: { channelId: record.channelId, id: record.id },
        updatedAt: new Date().toISOString(),
      };
      await (await getContainer()).items.upsert(SubscriptionIndexEntry.parse(entry));
    },
    async unindex(subscriptionId) {
      try {
        await (await getContainer()).item(subscriptionIndexId(subscriptionId), SUBSCRIPTION_INDEX_PARTITION).delete();
      } catch (err) {
        if (cosmosStatus(err) !== 404) throw err;
      }
    },
    async listIndex() {
      const docs = await queryAll<unknown>(await getContainer(), "SELECT * FROM c WHERE c.channelId = @p AND c.kind = 'subscriptionIndex'", [
        { name: '@p', value: SUBSCRIPTION_INDEX_PARTITION },
      ]);
      return docs.flatMap((d) => {
        const r = SubscriptionIndexEntry.safeParse(d);
        return r.success ? [r.data] : [];
      });
    },
    async read(channelId, id) {
      const doc = await readItem(await getContainer(), id, channelId);
      return doc ? toStored(doc) : undefined;
    },
    async create(record) {
      try {
        const { resource } = await (await getContainer()).items.create(SubscriptionRecord.parse(record));
        return toStored(resource);
      } catch (err) {
        if (cosmosStatus(err) === 409) return undefined;
        throw err;
      }
    },
    async replace(record, etag) {
      try {
        const { resource } = await (await getContainer()).item(record.id, record.channelId).replace(SubscriptionRecord.parse(record), ifMatch(etag));
        return toStored(resource);
      } catch (err) {
        const status = cosmosStatus(err);
        if (status === 412 || status === 404) return undefined;
        throw err;
      }
    },
    async remove(record, etag) {
      try {
        await (await getContainer()).item(record.id, record.channelId).delete(ifMatch(etag));
        return true;
      } catch (err) {
        const status = cosmosStatus(err);
        if (status === 404) return true;
        if (status === 412) return false;
        throw err;
      }
    },
  };
}
