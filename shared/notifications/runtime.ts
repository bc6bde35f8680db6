import type { InvocationContext } from '@azure/functions';
import { settings } from '../config/settings';
import { MailboxSyncMessage, QueueNames } from '../queue/contracts';
import { sendQueueMessage } from '../queue/send';
import { secretStore } from '../secrets';
import { createGraphSubscriptions } from '../sources/graph-subscriptions';
import { readChannelRecord } from '../store/channel-repository';
import { channelsChangedSince } from '../store/channel-changes';
import { maintainSubscriptions, type MaintainDeps, type MaintainReport } from './maintain';
import type { ReceiveDeps } from './receive';
import { recordSubscriptionFailure } from '../telemetry';
import { requestSubscriptionAction } from './request-action';
import { subscriptionCache } from './subscription-cache';
import { cosmosSubscriptionStore } from './subscription-store';

/**
 * The real I/O behind shared/notifications' seams: Cosmos (subscription records), the
 * `mailbox-sync` queue, Graph with each channel's own credentials, the app settings.
 */
type Log = (message: string, props?: Record<string, unknown>) => void;

const contextLog = (context: InvocationContext): Log => (m, p) => (p ? context.log(m, p) : context.log(m));

const enqueueSync = (m: MailboxSyncMessage) => sendQueueMessage(QueueNames.mailboxSync, MailboxSyncMessage, m);

/** Per instance: subscriptions found by earlier notifications. */
const known = subscriptionCache();

export function receiveDeps(context: InvocationContext): ReceiveDeps {
  const store = cosmosSubscriptionStore();
  return {
    knownSubscription: (id) => known.get(id),
    findSubscription: async (id) => {
      const found = await store.findBySubscriptionId(id);
      if (found) known.set(found);
      return found;
    },
    enqueueSync,
    requestAction: async (current, requested) => {
      await requestSubscriptionAction(store, current, requested);
    },
    now: () => new Date(),
    log: (m, p) => (p ? context.warn(m, p) : context.warn(m)),
  };
}

export function maintainDeps(log: Log): MaintainDeps {
  return {
    publicBaseUrl: settings().PUBLIC_BASE_URL,
    channelsChangedSince,
    readChannel: async (id) => (await readChannelRecord(id))?.record,
    store: cosmosSubscriptionStore(),
    graphFor: (channel) => createGraphSubscriptions(channel, { getSecret: (ref) => secretStore().get(ref) }),
    enqueueSync,
    now: () => new Date(),
    log,
  };
}

let saidSkipped = false;

/** One maintenance run, logged: what changed, what failed; "skipped" only the first time in a process. */
export async function runSubscriptionMaintenance(context: InvocationContext): Promise<MaintainReport> {
  const log = contextLog(context);
  const report = await maintainSubscriptions(maintainDeps(log));
  if (report.skipped) {
    if (!saidSkipped) log(`Graph subscriptions: ${report.skipped}`);
    saidSkipped = true;
    return report;
  }
  const { established, renewed, deleted, contended, deferred, full, channelsRead, recordsRead, failed } = report;
  if (established || renewed || deleted || contended || deferred) log('Graph subscriptions maintained', { established, renewed, deleted, contended, deferred, full, channelsRead, recordsRead });
  for (const f of failed) {
    context.error(`Graph subscription ${f.action} failed for channel ${f.channelId}, folder "${f.folder}": ${f.code} ${f.message}`);
    recordSubscriptionFailure({ channelId: f.channelId, action: f.action, code: f.code });
  }
  return report;
}
