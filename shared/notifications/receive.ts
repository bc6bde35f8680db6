import type { MailboxSyncMessage } from '../queue/contracts';
import { clientStateMatches } from './client-state';
import { KnownLifecycleEvent, MAX_NOTIFICATIONS_PER_BATCH, type ParsedBatch } from './notification-batch';
import type { RequestedAction, StoredSubscription } from './subscription-record';

/**
 * What a batch of Graph notifications makes happen — quickly, with no Graph call, since
 * Graph wants an answer within 3 s:
 * - a change notification → one `mailbox-sync` of that folder (the delta sweep finds the
 *   mail; the notification is only a hint);
 * - lifecycle `missed` → a sync of the folder (the sweep catches up);
 * - lifecycle `subscriptionRemoved` → a sync, and the record asks for a recreate;
 * - lifecycle `reauthorizationRequired` → the record asks for a renewal.
 * Renewals and recreations are Graph calls (a recreate even makes Graph call us back for
 * the validation handshake), so the maintenance run does them, not this handler.
 *
 * Nothing is trusted before its clientState matches the stored hash of its subscription.
 * A mismatch or an unknown subscription is ignored and logged by subscription id only.
 * Syncs are deduplicated per channel and folder within the batch.
 *
 * The URL is anonymous, so what one request can cost is bounded: each distinct
 * subscription id this instance does not know yet is looked up once (one point read for
 * an unknown id, see subscription-store.ts), at most `MAX_SUBSCRIPTIONS_PER_BATCH` per
 * request; notifications naming further ids are dropped and counted. Ids found before
 * are answered from memory (subscription-cache.ts) and never dropped. Nothing is lost for good: a notification is only a hint, and
 * the delta sweep of every folder is the source of truth.
 */

/**
 * Distinct subscriptions looked up per request. This app holds one subscription per
 * channel folder, and Graph batches a few at a time; an anonymous flood of made-up ids
 * costs at most this many point reads per request.
 */
export const MAX_SUBSCRIPTIONS_PER_BATCH = 50;
export interface ReceiveDeps {
  /** A subscription this instance found lately (subscription-cache.ts): no read, and not counted against the bound. */
  knownSubscription?(subscriptionId: string): StoredSubscription | undefined;
  findSubscription(subscriptionId: string): Promise<StoredSubscription | undefined>;
  enqueueSync(message: MailboxSyncMessage): Promise<void>;
  /** Marks the record so the next maintenance run renews or recreates it. */
  requestAction(current: StoredSubscription, requested: RequestedAction): Promise<void>;
  now(): Date;
  log(message: string, props?: Record<string, unknown>): void;
}

export interface ReceiveReport {
  accepted: number;
  /** Notifications not looked at: their subscription id was beyond the per-request bound. */
  dropped: number;
  ignored: { subscriptionId?: string; index?: number; reason: string }[];
  syncs: { channelId: string; folder: string; reason: MailboxSyncMessage['reason'] }[];
  requested: { channelId: string; folder: string; action: RequestedAction['action'] }[];
}

export async function receiveNotifications(batch: ParsedBatch, deps: ReceiveDeps): Promise<ReceiveReport> {
  const now = deps.now();
  const report: ReceiveReport = { accepted: 0, dropped: batch.overflow ?? 0, ignored: [], syncs: [], requested: [] };
  if (batch.overflow) deps.log(`Graph notifications beyond ${MAX_NOTIFICATIONS_PER_BATCH} per request dropped; the delta sweep finds their mail`, { dropped: batch.overflow });
  for (const s of batch.skipped) report.ignored.push({ index: s.index, reason: `malformed notification (${s.problems.join('; ')})` });

  // Known ids cost nothing; of the others, the first MAX_SUBSCRIPTIONS_PER_BATCH are looked
  // up, each once, all at once — so made-up ids crowd out only ids this instance has not seen.
  const ids = [...new Set(batch.notifications.map((n) => n.notification.subscriptionId))];
  const found = new Map<string, StoredSubscription | undefined>();
  const unknown: string[] = [];
  for (const id of ids) {
    const known = deps.knownSubscription?.(id);
    if (known) found.set(id, known);
    else unknown.push(id);
  }
  const looked = unknown.slice(0, MAX_SUBSCRIPTIONS_PER_BATCH);
  for (const [id, stored] of await Promise.all(looked.map(async (id) => [id, await deps.findSubscription(id)] as const))) found.set(id, stored);
  if (unknown.length > looked.length) {
    report.dropped += batch.notifications.filter((n) => !found.has(n.notification.subscriptionId)).length;
    deps.log(`Graph notifications for ${unknown.length - looked.length} more unknown subscription(s) than ${MAX_SUBSCRIPTIONS_PER_BATCH} per request dropped; the delta sweep finds their mail`, {
      dropped: report.dropped,
      distinctSubscriptions: ids.length,
    });
  }
  const syncs = new Map<string, MailboxSyncMessage>();
  const actions = new Map<string, { current: StoredSubscription; requested: RequestedAction }>();
  const wantSync = (s: StoredSubscription, reason: 'notification' | 'lifecycle') => {
    const key = `${s.record.channelId}\u0000${s.record.folder.toLowerCase()}`;
    const existing = syncs.get(key);
    if (existing) {
      if (reason === 'lifecycle') existing.reason = 'lifecycle';
      return;
    }
    syncs.set(key, { channelId: s.record.channelId, reason, folder: s.record.folder, fullResync: false, requestedAt: now.toISOString() });
  };
  const wantAction = (s: StoredSubscription, action: RequestedAction['action'], reason: string) => {
    const key = `${s.record.channelId}\u0000${s.record.id}`;
    if (actions.get(key)?.requested.action === 'recreate') return; // a recreate includes a renewal
    actions.set(key, { current: s, requested: { action, reason, at: now.toISOString() } });
  };

  for (const item of batch.notifications) {
    const n = item.notification;
    if (!found.has(n.subscriptionId)) continue; // dropped above
    const stored = found.get(n.subscriptionId);
    if (!stored) {
      report.ignored.push({ subscriptionId: n.subscriptionId, reason: 'unknown subscription' });
      continue;
    }
    if (!clientStateMatches(n.clientState, stored.record.clientStateSha256)) {
      report.ignored.push({ subscriptionId: n.subscriptionId, reason: 'clientState does not match' });
      deps.log('Graph notification with a wrong clientState ignored', { subscriptionId: n.subscriptionId, channelId: stored.record.channelId });
      continue;
    }
    if (item.kind === 'change') {
      report.accepted++;
      wantSync(stored, 'notification');
      continue;
    }
    const event = KnownLifecycleEvent.safeParse(item.notification.lifecycleEvent);
    if (!event.success) {
      report.ignored.push({ subscriptionId: n.subscriptionId, reason: `unknown lifecycle event "${item.notification.lifecycleEvent.slice(0, 60)}"` });
      continue;
    }
    report.accepted++;
    switch (event.data) {
      case 'missed':
        wantSync(stored, 'lifecycle');
        break;
      case 'subscriptionRemoved':
        wantSync(stored, 'lifecycle');
        wantAction(stored, 'recreate', event.data);
        break;
      case 'reauthorizationRequired':
        wantAction(stored, 'renew', event.data);
        break;
    }
  }

  await Promise.all([
    ...[...actions.values()].map(({ current, requested }) => deps.requestAction(current, requested)),
    ...[...syncs.values()].map((m) => deps.enqueueSync(m)),
  ]);
  report.syncs = [...syncs.values()].map((m) => ({ channelId: m.channelId, folder: m.folder ?? '', reason: m.reason }));
  report.requested = [...actions.values()].map(({ current, requested }) => ({ channelId: current.record.channelId, folder: current.record.folder, action: requested.action }));
  return report;
}
