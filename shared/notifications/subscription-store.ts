import type { Container } from '@azure/cosmos';
import { container } from '../store/cosmos';
import { queryAll, readItem } from '../store/cosmos-items';
import { cosmosStatus } from '../store/errors';
import { SubscriptionRecord, type StoredSubscription } from './subscription-record';

/**
 * Subscription records in Cosmos (`syncState`, pk /channelId, `kind: 'subscription'`).
 * Writes are conditional: `create` fails softly when the record exists (another run got
 * there first), `replace` and `remove` when it changed since it was read (ETag). Callers
 * treat a soft failure as "someone else is on it" and move on.
 */
export interface SubscriptionStore {
  /** Every subscription record of every channel (the maintenance run's view). */
  listAll(): Promise<StoredSubscription[]>;
  /** The record that holds Graph subscription `subscriptionId`, if any. */
  findBySubscriptionId(subscriptionId: string): Promise<StoredSubscription | undefined>;
  read(channelId: string, id: string): Promise<StoredSubscription | undefined>;
  /** Creates the record; undefined when one with its id exists already. */
  create(record: SubscriptionRecord): Promise<StoredSubscription | undefined>;
  /** Replaces it if its ETag is still `etag`; undefined when it changed or is gone. */
  replace(record: SubscriptionRecord, etag: string): Promise<StoredSubscription | undefined>;
  /** Deletes it if its ETag is still `etag` (or it is gone already); false when it changed. */
  remove(record: SubscriptionRecord, etag: string): Promise<boolean>;
}

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
    async findBySubscriptionId(subscriptionId) {
      // Across partitions: a notification names the subscription, not the channel. The
      // container is small (a few documents per channel), so this stays cheap.
      const docs = await queryAll<unknown>(await getContainer(), "SELECT * FROM c WHERE c.kind = 'subscription' AND c.subscriptionId = @id", [
        { name: '@id', value: subscriptionId },
      ]);
      const first = docs[0];
      return first ? toStored(first) : undefined;
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
