import type { StoredSubscription } from './subscription-record';

/**
 * Subscriptions this instance has found lately, by Graph subscription id, so a
 * notification for a known subscription costs no Cosmos read and never competes with
 * made-up ids for the per-request lookup bound (receive.ts). Bounded in count (the
 * oldest entry goes first) and in age: what the webhook uses of a record — channel,
 * folder, clientState hash — never changes for one subscription id, and a replaced
 * subscription's notifications (stray, until Graph has deleted it) only ask for a sync.
 * A request for a renewal or recreate is written ETag-guarded and re-reads on conflict.
 */
export interface SubscriptionCache {
  get(subscriptionId: string): StoredSubscription | undefined;
  set(found: StoredSubscription): void;
  readonly size: number;
}

/** About 1 KB each: 25,000 entries (a deployment's 20,000 subscriptions) stay under 30 MB. */
export const CACHE_MAX_ENTRIES = 25_000;
export const CACHE_TTL_MS = 10 * 60_000;

export function subscriptionCache(opts: { maxEntries?: number; ttlMs?: number; now?: () => number } = {}): SubscriptionCache {
  const max = opts.maxEntries ?? CACHE_MAX_ENTRIES;
  const ttl = opts.ttlMs ?? CACHE_TTL_MS;
  const now = opts.now ?? Date.now;
  // A Map iterates in insertion order: the first key is the oldest entry.
  const entries = new Map<string, { found: StoredSubscription; until: number }>();
  return {
    get(subscriptionId) {
      const e = entries.get(subscriptionId);
      if (!e) return undefined;
      if (e.until <= now()) {
        entries.delete(subscriptionId);
        return undefined;
      }
      return e.found;
    },
    set(found) {
      const id = found.record.subscriptionId;
      if (!id) return;
      entries.delete(id);
      entries.set(id, { found, until: now() + ttl });
      while (entries.size > max) {
        const oldest = entries.keys().next();
        if (oldest.done) break;
        entries.delete(oldest.value);
      }
    },
    get size() {
      return entries.size;
    },
  };
}
