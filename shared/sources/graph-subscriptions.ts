import type { ChannelRecord } from '../config/channel';
import { PermanentError, TransientError } from '../errors';
import { GraphConnection, type GraphSourceDeps } from './graph-connection';
import { graphStatus, isGraphError, parseGraph } from './graph-errors';
import { GraphFolders } from './graph-folders';
import { GraphSubscription } from './graph-schemas';

/**
 * Change-notification subscriptions for a channel's folders (client side): create, renew,
 * delete. Graph validates `notificationUrl` (and `lifecycleNotificationUrl`) with a
 * handshake before it answers, so the receiving function must be reachable when `create`
 * runs. Message subscriptions live at most 10,080 minutes; renew well before.
 *
 * Notifications are hints: the delta sweep stays the source of truth.
 */

/** Longest lifetime Graph grants a subscription to Outlook messages (minutes). */
export const MAX_MESSAGE_SUBSCRIPTION_MINUTES = 10_080;

export interface SubscriptionRequest {
  /** Folder name as configured (well-known name, display-name path or id). */
  folder: string;
  notificationUrl: string;
  lifecycleNotificationUrl?: string;
  /** Echoed in every notification; the receiver checks it. At most 128 characters. */
  clientState: string;
  /** Requested expiry; capped to the maximum Graph allows. */
  expiresAt: Date;
  /** Default `created`: new mail is what the channel cares about. */
  changeType?: string;
}

export type { GraphSubscription } from './graph-schemas';

/** The expiry to ask for: at most the maximum, a minute short to allow for clock skew. */
export function subscriptionExpiry(requested: Date, now = new Date()): Date {
  const max = now.getTime() + (MAX_MESSAGE_SUBSCRIPTION_MINUTES - 1) * 60_000;
  return new Date(Math.min(requested.getTime(), max));
}

/** Graph's answer when the handshake failed: a cold receiver may pass on the next try. */
function validationFailed(err: unknown): boolean {
  if (!isGraphError(err) || err.statusCode !== 400) return false;
  return err.code === 'ValidationError' || /validation request/i.test(err.message);
}

export class GraphSubscriptions {
  private readonly conn: GraphConnection;
  private readonly folders: GraphFolders;

  constructor(channel: ChannelRecord, deps: GraphSourceDeps) {
    this.conn = new GraphConnection(channel, deps);
    this.folders = new GraphFolders(this.conn);
  }

  /** Subscribes to new mail in a folder; returns Graph's subscription (its id is needed to renew/delete). */
  async create(req: SubscriptionRequest): Promise<GraphSubscription> {
    const folderId = await this.folders.resolve(req.folder);
    if (!folderId) throw new PermanentError('GRAPH_FOLDER_MISSING', `folder "${req.folder}" does not exist in mailbox ${this.conn.mailbox}`);
    const body = {
      changeType: req.changeType ?? 'created',
      notificationUrl: req.notificationUrl,
      ...(req.lifecycleNotificationUrl ? { lifecycleNotificationUrl: req.lifecycleNotificationUrl } : {}),
      resource: `users/${encodeURIComponent(this.conn.mailbox)}/mailFolders('${folderId}')/messages`,
      expirationDateTime: subscriptionExpiry(req.expiresAt).toISOString(),
      clientState: req.clientState,
      latestSupportedTlsVersion: 'v1_2',
    };
    const what = `subscribing to "${req.folder}" of ${this.conn.mailbox}`;
    const r = await this.conn.call(what, async (c) => {
      try {
        return (await c.api('/subscriptions').post(body)) as unknown;
      } catch (err) {
        if (validationFailed(err)) throw new TransientError('GRAPH_SUBSCRIPTION_VALIDATION', `${what}: Graph could not validate the notification URL (${(err as Error).message})`, { cause: err });
        throw err;
      }
    });
    return parseGraph(GraphSubscription, r, what);
  }

  /** Extends a subscription (also answers `reauthorizationRequired`). */
  async renew(subscriptionId: string, expiresAt: Date): Promise<GraphSubscription> {
    const what = `renewing subscription ${subscriptionId}`;
    const r = await this.conn.call(what, (c) =>
      c.api(`/subscriptions/${encodeURIComponent(subscriptionId)}`).patch({ expirationDateTime: subscriptionExpiry(expiresAt).toISOString() }) as Promise<unknown>,
    );
    return parseGraph(GraphSubscription, r, what);
  }

  /** Deletes a subscription; one that is already gone is not an error. */
  async delete(subscriptionId: string): Promise<void> {
    await this.conn.callKeeping(`deleting subscription ${subscriptionId}`, (err) => graphStatus(err) === 404, (c) =>
      c.api(`/subscriptions/${encodeURIComponent(subscriptionId)}`).delete() as Promise<unknown>,
    );
  }
}

export function createGraphSubscriptions(channel: ChannelRecord, deps: GraphSourceDeps): GraphSubscriptions {
  return new GraphSubscriptions(channel, deps);
}
