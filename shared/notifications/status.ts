import { z } from 'zod';
import type { ChannelRecord } from '../config/channel';
import { PUSH_SAFETY_INTERVAL_SECONDS } from '../pipeline/schedule-sync';
import { subscriptionTarget, wantedFolders } from './plan';
import { RequestedAction, SubscriptionError, subscriptionRecordId, type SubscriptionRecord } from './subscription-record';
import { notificationUrls } from './urls';

/**
 * What an admin sees of a Graph channel's change notifications (the stats API and the
 * monitoring page): per read folder, whether Graph notifies this deployment, until when,
 * and what went wrong. Read from the subscription records the maintenance run keeps
 * (maintain.ts); a pure function of them, the channel and the deployment's public URL.
 *
 * Folder states:
 * - `active`   — subscribed until `subscribedUntil`, renewed at `renewAt`;
 * - `expired`  — the record says active but its expiry has passed (Graph no longer notifies);
 * - `outdated` — subscribed for another mailbox or address (the channel or PUBLIC_BASE_URL
 *   changed): the next run subscribes anew;
 * - `creating` — a run is subscribing it now;
 * - `failed`   — the last attempt failed (`lastError`), tried again at `retryAt`;
 * - `missing`  — not subscribed yet: the next run (every minute) subscribes it.
 * Whatever the state, the mailbox is also read every `safetyPollSeconds` (mail is never
 * left waiting longer), and every subscription made queues a sync of its folder.
 */
export const FolderNotificationState = z.enum(['active', 'expired', 'outdated', 'creating', 'failed', 'missing']);

export const FolderNotifications = z.object({
  folder: z.string(),
  state: FolderNotificationState,
  subscribedUntil: z.string().optional(),
  renewAt: z.string().optional(),
  /** Failed attempts in a row. */
  failures: z.number().int().min(0),
  lastError: SubscriptionError.optional(),
  retryAt: z.string().optional(),
  /** What a lifecycle notification asked for, not done yet. */
  requested: RequestedAction.optional(),
});
export type FolderNotifications = z.infer<typeof FolderNotifications>;

/** How often the mailbox is read whatever the notifications do. */
const safetyPollSeconds = z.number().int().positive();

/** push: Graph notifies this deployment of new mail; polling: it does not (`why`); none: the mailbox is not read at all (`why`). */
export const ChannelNotifications = z.discriminatedUnion('mode', [
  z.object({ mode: z.literal('push'), safetyPollSeconds, folders: z.array(FolderNotifications) }),
  z.object({ mode: z.literal('polling'), why: z.string(), safetyPollSeconds, folders: z.array(FolderNotifications).max(0) }),
  z.object({ mode: z.literal('none'), why: z.string(), folders: z.array(FolderNotifications).max(0) }),
]);
export type ChannelNotifications = z.infer<typeof ChannelNotifications>;

/** The channel's notifications, or undefined for a channel that is not Microsoft Graph (IMAP is polled). */
export function channelNotifications(channel: ChannelRecord, records: readonly SubscriptionRecord[], publicBaseUrl: string | undefined, now: Date): ChannelNotifications | undefined {
  const target = subscriptionTarget(channel);
  if (!target) return undefined;
  const poll = channel.connection.pollIntervalSeconds;
  if (channel.status !== 'published') return { mode: 'none', why: `the channel is ${channel.status}: only a published channel's mailbox is read`, folders: [] };
  if (!publicBaseUrl) return { mode: 'polling', why: 'PUBLIC_BASE_URL is not set: Graph cannot reach this deployment', safetyPollSeconds: poll, folders: [] };
  const url = notificationUrls(publicBaseUrl).notificationUrl;
  const byId = new Map(records.map((r) => [r.id, r]));
  const folders = wantedFolders(channel).map((folder): FolderNotifications => {
    const r = byId.get(subscriptionRecordId(folder));
    if (!r) return { folder, state: 'missing', failures: 0 };
    const shown = {
      folder,
      ...(r.expiresAt ? { subscribedUntil: r.expiresAt } : {}),
      ...(r.renewAt ? { renewAt: r.renewAt } : {}),
      failures: r.failures,
      ...(r.lastError ? { lastError: r.lastError } : {}),
      ...(r.retryAt ? { retryAt: r.retryAt } : {}),
      ...(r.requested ? { requested: r.requested } : {}),
    };
    return { ...shown, state: folderState(r, target, url, now) };
  });
  return { mode: 'push', safetyPollSeconds: Math.max(poll, PUSH_SAFETY_INTERVAL_SECONDS), folders };
}

function folderState(r: SubscriptionRecord, target: string, url: string, now: Date): FolderNotifications['state'] {
  if (r.state !== 'active') return r.state;
  if (r.target !== target || (r.notificationUrl !== undefined && r.notificationUrl !== url)) return 'outdated';
  if (r.expiresAt && Date.parse(r.expiresAt) <= now.getTime()) return 'expired';
  return 'active';
}
