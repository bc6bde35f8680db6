import { createHash } from 'node:crypto';
import { z } from 'zod';

/**
 * What the app remembers of one Graph change subscription: one record per channel and
 * read folder, in the `syncState` container (pk /channelId) beside the folder's delta
 * position, as a document of `kind: 'subscription'`. Its id is derived from the folder, so
 * two runs that try to subscribe the same folder collide on create (409) instead of
 * subscribing twice; every later change is an ETag-guarded replace.
 *
 * States:
 * - `creating` — a run has claimed the (re)creation at `claimedAt` and is talking to Graph;
 *   a claim older than the claim TTL is taken over (that run died);
 * - `active`   — `subscriptionId` is live at Graph until `expiresAt`;
 * - `failed`   — the last (re)creation failed; retried at `retryAt`.
 * While being recreated or failed, the record keeps the previous subscription's id and
 * clientState hash: notifications of that subscription still count until it is replaced.
 */
export const SubscriptionState = z.enum(['creating', 'active', 'failed']);

/** Asked for by a lifecycle notification; done by the next maintenance run. */
export const RequestedAction = z.object({
  action: z.enum(['renew', 'recreate']),
  /** The lifecycle event that asked for it. */
  reason: z.string(),
  at: z.iso.datetime(),
});
export type RequestedAction = z.infer<typeof RequestedAction>;

export const SubscriptionError = z.object({ code: z.string(), message: z.string(), at: z.iso.datetime() });

export const SubscriptionRecord = z.object({
  id: z.string().min(1),
  channelId: z.string().min(1),
  kind: z.literal('subscription'),
  /** The read folder as configured on the channel. */
  folder: z.string().min(1),
  state: SubscriptionState,
  /** Graph's subscription id. */
  subscriptionId: z.string().min(1).optional(),
  /** SHA-256 of the clientState secret (see client-state.ts); never the secret itself. */
  clientStateSha256: z.string().min(1).optional(),
  expiresAt: z.iso.datetime({ offset: true }).optional(),
  /**
   * When to renew (plan.ts renewAt), stored so the maintenance run finds the records with
   * something to do by an indexed range query instead of reading every record.
   */
  renewAt: z.iso.datetime().optional(),
  /** The URL Graph notifies; a change of PUBLIC_BASE_URL makes a new subscription. */
  notificationUrl: z.string().optional(),
  /** Graph host and mailbox it watches (`host:port/mailbox`); a change makes a new subscription. */
  target: z.string().min(1),
  claimedAt: z.iso.datetime().optional(),
  requested: RequestedAction.optional(),
  /** Failed attempts in a row (drives the backoff). */
  failures: z.number().int().min(0).default(0),
  lastError: SubscriptionError.optional(),
  /** Not before this instant (backoff after a failure). */
  retryAt: z.iso.datetime().optional(),
  updatedAt: z.iso.datetime(),
});
export type SubscriptionRecord = z.infer<typeof SubscriptionRecord>;

/** A record with the ETag it was read with. */
export interface StoredSubscription {
  record: SubscriptionRecord;
  etag: string;
}

/** Deterministic record id per folder (folder names compare case-insensitively, as mailboxes do). */
export function subscriptionRecordId(folder: string): string {
  return `subscription:${Buffer.from(folder.toLowerCase()).toString('base64url')}`;
}

/**
 * The index from a Graph subscription id to the record holding it, so that a notification
 * (which names only the subscription) costs one point read, never a cross-partition query.
 * One small document per subscription id, all in one partition of `syncState` of their own
 * (a value no channel id takes: channel ids are UUIDs). Kept by the maintenance run
 * (maintain.ts): written when a subscription is made, removed when it is replaced or
 * deleted, and repaired on every run. An entry that outlived its record is harmless: the
 * lookup reads the record and finds another (or no) subscription there.
 */
export const SUBSCRIPTION_INDEX_PARTITION = '~graph-subscription-index';

export const SubscriptionIndexEntry = z.object({
  id: z.string().min(1),
  channelId: z.literal(SUBSCRIPTION_INDEX_PARTITION),
  kind: z.literal('subscriptionIndex'),
  subscriptionId: z.string().min(1),
  /** Where the record is: its channel (partition) and id. */
  record: z.object({ channelId: z.string().min(1), id: z.string().min(1) }),
  updatedAt: z.iso.datetime(),
});
export type SubscriptionIndexEntry = z.infer<typeof SubscriptionIndexEntry>;

/**
 * The index entry's id: a hash of the subscription id, as the id comes from an anonymous
 * request and may hold characters a Cosmos id must not (`/ \ ? #`) or be of any length.
 */
export function subscriptionIndexId(subscriptionId: string): string {
  return `subscription-index:${createHash('sha256').update(subscriptionId, 'utf8').digest('base64url')}`;
}
