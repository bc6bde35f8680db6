import type { RequestedAction, StoredSubscription, SubscriptionRecord } from './subscription-record';
import type { SubscriptionStore } from './subscription-store';

/** How often a concurrent change of the record is read again before giving up. */
const ATTEMPTS = 3;

/** A recreate stands over a renewal (it includes one); otherwise the newer request wins. */
export function mergeRequest(existing: RequestedAction | undefined, incoming: RequestedAction): RequestedAction {
  return existing?.action === 'recreate' && incoming.action === 'renew' ? existing : incoming;
}

/**
 * Marks a subscription record so the next maintenance run renews or recreates it. Guarded
 * by ETag; on a concurrent change it reads the record again — and stops when the record no
 * longer holds the subscription the lifecycle notification was about (it was replaced),
 * or while a maintenance run is replacing it.
 * Returns whether the request is on the record.
 */
export async function requestSubscriptionAction(store: SubscriptionStore, current: StoredSubscription, requested: RequestedAction): Promise<boolean> {
  let stored: StoredSubscription | undefined = current;
  const about = current.record.subscriptionId;
  for (let attempt = 0; attempt < ATTEMPTS && stored; attempt++) {
    if (stored.record.subscriptionId !== about) return false;
    // Being replaced right now: the new subscription answers both a renewal and a recreate,
    // and touching the record would make that run discard its work (its write is ETag-guarded).
    if (stored.record.state === 'creating') return false;
    const next: SubscriptionRecord = { ...stored.record, requested: mergeRequest(stored.record.requested, requested), updatedAt: requested.at };
    if (await store.replace(next, stored.etag)) return true;
    stored = await store.read(current.record.channelId, current.record.id);
  }
  // Still contended after a few tries: the other writers are maintenance runs, which act on
  // the record anyway; a missed request is caught by the renewal window or Graph's next event.
  return false;
}
