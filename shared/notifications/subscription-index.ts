import { SUBSCRIPTION_LIFETIME_MS } from './plan';
import type { StoredSubscription, SubscriptionIndexEntry, SubscriptionRecord } from './subscription-record';

/**
 * How the subscription index (subscription-record.ts) differs from the records, as the
 * maintenance run repairs it: a record whose subscription has no entry gets one (records
 * from before the index existed, or an entry write that failed), and an entry no record
 * refers to is removed once it is older than a subscription can live — younger ones may
 * belong to a subscription another run is saving right now.
 */
export interface IndexRepairs {
  add: (SubscriptionRecord & { subscriptionId: string })[];
  remove: string[];
}

export function indexRepairs(records: readonly StoredSubscription[], entries: readonly SubscriptionIndexEntry[], now: Date): IndexRepairs {
  const live = new Map<string, SubscriptionRecord & { subscriptionId: string }>();
  for (const { record } of records) if (record.subscriptionId) live.set(record.subscriptionId, { ...record, subscriptionId: record.subscriptionId });
  const indexed = new Map(entries.map((e) => [e.subscriptionId, e]));
  const add = [...live.values()].filter((r) => {
    const e = indexed.get(r.subscriptionId);
    return !e || e.record.channelId !== r.channelId || e.record.id !== r.id;
  });
  const remove = entries
    .filter((e) => !live.has(e.subscriptionId) && now.getTime() - Date.parse(e.updatedAt) > SUBSCRIPTION_LIFETIME_MS)
    .map((e) => e.subscriptionId);
  return { add, remove };
}
