import { createHash } from 'node:crypto';
import type { ChannelRecord } from '../config/channel';
import { foldersToRead } from '../pipeline/sync-mailbox';
import { subscriptionRecordId, type StoredSubscription, type SubscriptionRecord } from './subscription-record';

/**
 * The maintenance run's decisions, as data: given the channels, the stored subscription
 * records and the time, which subscriptions to establish (create or replace), renew or
 * delete. Pure, so every rule is tested without Graph or Cosmos.
 */

const HOUR_MS = 3_600_000;
/**
 * Renewal window: a subscription is renewed between RENEW_LEAD_MAX_MS and
 * RENEW_LEAD_MIN_MS before it expires, at a point in that window fixed by a hash of its
 * channel and folder (renewAt). Subscriptions made together — a new deployment, a
 * changed PUBLIC_BASE_URL — are so renewed spread over a day instead of at one timer
 * tick, and stay spread. The 12 h left at the latest are slack for a failing run to be
 * retried many times and for a paced backlog to drain.
 */
export const RENEW_LEAD_MIN_MS = 12 * HOUR_MS;
export const RENEW_LEAD_MAX_MS = 36 * HOUR_MS;
/**
 * Graph calls (create, renew, delete) per maintenance run, most urgent first; the rest
 * wait for the next run. 20,000 subscriptions renewed every ~46 h need ~7 a minute on
 * average; the cap is many times that, so a backlog (after an outage, a new deployment)
 * drains within hours while one run never bursts thousands of calls at Graph.
 */
export const MAX_GRAPH_ACTIONS_PER_RUN = 100;
/** A `creating` claim older than this belongs to a run that died: take it over. */
export const CLAIM_TTL_MS = 5 * 60_000;
/**
 * Lifetime asked for: 4,230 minutes, the limit older Graph documentation gives for
 * Outlook messages (newer docs say 10,080). Asking for the smaller works on either, and
 * with a day of renewal slack a subscription is renewed about every two days.
 */
export const SUBSCRIPTION_LIFETIME_MS = 4_230 * 60_000;
/** Backoff after a failed attempt: 1, 2, 4 … minutes, at most 30. */
const BACKOFF_BASE_MS = 60_000;
const BACKOFF_MAX_MS = 30 * 60_000;

export function backoffMs(failures: number): number {
  return Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** Math.max(0, failures - 1));
}

export type SubscriptionAction =
  | {
      kind: 'establish';
      channel: ChannelRecord;
      folder: string;
      /** The record to claim (absent: none yet). Its subscription, if any, is deleted once the new one stands. */
      current?: StoredSubscription;
      why: string;
    }
  | { kind: 'renew'; channel: ChannelRecord; current: StoredSubscription & { record: { subscriptionId: string } }; why: string }
  | {
      kind: 'delete';
      /** The channel when it still exists and is a Graph channel (its credentials can delete at Graph); else the record is dropped and the subscription expires by itself. */
      channel?: ChannelRecord;
      current: StoredSubscription;
      why: string;
    };

export interface PlanInput {
  channels: readonly ChannelRecord[];
  records: readonly StoredSubscription[];
  notificationUrl: string;
  now: Date;
}

/** Which Graph host and mailbox a channel watches: a change means a new subscription. */
export function subscriptionTarget(channel: ChannelRecord): string | undefined {
  const c = channel.connection;
  return c.protocol === 'graph' ? `${c.host.toLowerCase()}:${c.port}/${c.username.toLowerCase()}` : undefined;
}

/** The folders of a channel that should have a subscription (none unless published and Graph). */
export function wantedFolders(channel: ChannelRecord): string[] {
  if (channel.status !== 'published' || channel.connection.protocol !== 'graph') return [];
  const seen = new Set<string>();
  return foldersToRead(channel).filter((f) => {
    const key = f.toLowerCase();
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

const isClaimFresh = (r: SubscriptionRecord, now: Date) => r.state === 'creating' && !!r.claimedAt && now.getTime() - Date.parse(r.claimedAt) < CLAIM_TTL_MS;
const isBackingOff = (r: SubscriptionRecord, now: Date) => !!r.retryAt && Date.parse(r.retryAt) > now.getTime();

/**
 * For a folder that should be subscribed: what to do with its record, or undefined when
 * nothing is due. Exported for the tests of the renewal rule.
 */
export function decideWanted(
  current: StoredSubscription | undefined,
  want: { target: string; notificationUrl: string },
  now: Date,
): { kind: 'establish' | 'renew'; why: string } | undefined {
  if (!current) return { kind: 'establish', why: 'no subscription yet' };
  const r = current.record;
  if (r.state === 'creating') return isClaimFresh(r, now) ? undefined : { kind: 'establish', why: 'an earlier attempt was abandoned' };
  if (isBackingOff(r, now)) return undefined;
  if (r.state === 'failed' || !r.subscriptionId || !r.expiresAt) return { kind: 'establish', why: 'retrying after a failure' };
  if (r.requested?.action === 'recreate') return { kind: 'establish', why: `Graph reported ${r.requested.reason}` };
  if (r.target !== want.target) return { kind: 'establish', why: 'the channel watches another mailbox now' };
  if (r.notificationUrl !== want.notificationUrl) return { kind: 'establish', why: 'the notification URL changed' };
  const left = Date.parse(r.expiresAt) - now.getTime();
  if (!(left > 0)) return { kind: 'establish', why: 'the subscription expired' };
  if (r.requested?.action === 'renew') return { kind: 'renew', why: `Graph reported ${r.requested.reason}` };
  const due = renewAt(r);
  if (due && Date.parse(due) <= now.getTime()) return { kind: 'renew', why: 'its renewal time has come' };
  return undefined;
}

/** Where in the renewal window this subscription is renewed: a fraction in [0, 1) from its channel and record id. */
export function renewalSpread(channelId: string, recordId: string): number {
  return createHash('sha256').update(`${channelId}\u0000${recordId}`).digest().readUInt32BE(0) / 2 ** 32;
}

/** When the record's subscription is to be renewed (undefined without an expiry). */
export function renewAt(r: Pick<SubscriptionRecord, 'channelId' | 'id' | 'expiresAt'>): string | undefined {
  if (!r.expiresAt) return undefined;
  const lead = RENEW_LEAD_MAX_MS - renewalSpread(r.channelId, r.id) * (RENEW_LEAD_MAX_MS - RENEW_LEAD_MIN_MS);
  return new Date(Date.parse(r.expiresAt) - lead).toISOString();
}

/**
 * The actions one run carries out, at most `max`, most urgent first: a folder without a
 * working subscription (establish), then renewals by expiry, then deletions (an unwanted
 * subscription only costs stray notifications until it expires). The rest are left to
 * the next runs, which find them again.
 */
export function paceActions(actions: readonly SubscriptionAction[], max = MAX_GRAPH_ACTIONS_PER_RUN): { run: SubscriptionAction[]; deferred: number } {
  const urgency = (a: SubscriptionAction): number => {
    if (a.kind === 'establish') return 0;
    if (a.kind === 'renew') return 1 + (Date.parse(a.current.record.expiresAt ?? '') || 0) / 1e15;
    return 3;
  };
  const sorted = [...actions].sort((x, y) => urgency(x) - urgency(y));
  return { run: sorted.slice(0, max), deferred: Math.max(0, sorted.length - max) };
}

function unwantedReason(channel: ChannelRecord | undefined): string {
  if (!channel) return 'the channel was deleted';
  if (channel.connection.protocol !== 'graph') return 'the channel no longer uses Microsoft Graph';
  if (channel.status !== 'published') return `the channel is ${channel.status}`;
  return 'the folder is no longer read';
}

export function planSubscriptions(input: PlanInput): SubscriptionAction[] {
  const { now, notificationUrl } = input;
  const byKey = new Map(input.records.map((s) => [`${s.record.channelId}\u0000${s.record.id}`, s]));
  const channels = new Map(input.channels.map((c) => [c.id, c]));
  const actions: SubscriptionAction[] = [];
  const wantedKeys = new Set<string>();

  for (const channel of input.channels) {
    const target = subscriptionTarget(channel);
    if (!target) continue;
    for (const folder of wantedFolders(channel)) {
      const key = `${channel.id}\u0000${subscriptionRecordId(folder)}`;
      wantedKeys.add(key);
      const current = byKey.get(key);
      const decision = decideWanted(current, { target, notificationUrl }, now);
      if (!decision) continue;
      if (decision.kind === 'renew' && current?.record.subscriptionId) {
        actions.push({ kind: 'renew', channel, current: current as StoredSubscription & { record: { subscriptionId: string } }, why: decision.why });
      } else {
        actions.push({ kind: 'establish', channel, folder, ...(current ? { current } : {}), why: decision.why });
      }
    }
  }

  for (const [key, current] of byKey) {
    if (wantedKeys.has(key)) continue;
    const r = current.record;
    if (isClaimFresh(r, now) || isBackingOff(r, now)) continue; // let the running attempt finish; retry later
    const channel = channels.get(r.channelId);
    const graphChannel = channel && channel.connection.protocol === 'graph' ? channel : undefined;
    actions.push({ kind: 'delete', ...(graphChannel ? { channel: graphChannel } : {}), current, why: unwantedReason(channel) });
  }
  return actions;
}
