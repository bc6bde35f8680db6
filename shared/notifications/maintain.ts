import type { ChannelRecord } from '../config/channel';
import { MailChannelError, PermanentError, isTransient } from '../errors';
import type { MailboxSyncMessage } from '../queue/contracts';
import type { GraphSubscription, SubscriptionRequest } from '../sources/graph-subscriptions';
import { hashClientState, newClientState } from './client-state';
import { changeWindow } from '../store/channel-changes';
import { SUBSCRIPTION_LIFETIME_MS, backoffMs, paceActions, planSubscriptions, renewAt, subscriptionTarget, type SubscriptionAction } from './plan';
import { subscriptionRecordId, type StoredSubscription, type SubscriptionRecord } from './subscription-record';
import { indexRepairs } from './subscription-index';
import type { SubscriptionStore } from './subscription-store';
import { notificationUrls, type NotificationUrls } from './urls';
import { inParallel } from '../in-parallel';

/**
 * The renewSubscriptions run: carry out the plan (plan.ts) against Graph and the store.
 *
 * Safe to run concurrently and to repeat: a (re)creation is claimed first — create of the
 * record's deterministic id, or an ETag-guarded replace — and a run that loses the claim
 * leaves the folder to the winner. The new subscription replaces the old one in one
 * guarded write; the old one is deleted at Graph only after that. A run that loses its
 * claim after subscribing (it was slower than the claim TTL) deletes what it made.
 * Failures are recorded on the record and retried with backoff; one channel's trouble
 * never stops the others.
 */
export interface GraphSubscriptionClient {
  create(req: SubscriptionRequest): Promise<GraphSubscription>;
  renew(subscriptionId: string, expiresAt: Date): Promise<GraphSubscription>;
  delete(subscriptionId: string): Promise<void>;
}

export interface MaintainDeps {
  /** `PUBLIC_BASE_URL`; without it nothing is done (Graph could not reach us). */
  publicBaseUrl: string | undefined;
  /** Channels written at or after `since` (Cosmos `_ts`, epoch seconds); undefined: every channel. */
  channelsChangedSince(since: number | undefined): Promise<ChannelRecord[]>;
  readChannel(id: string): Promise<ChannelRecord | undefined>;
  store: SubscriptionStore;
  /** Graph subscription calls with this channel's credentials. */
  graphFor(channel: ChannelRecord): GraphSubscriptionClient;
  /** Queues a sync of one folder (the `mailbox-sync` queue). */
  enqueueSync(message: MailboxSyncMessage): Promise<void>;
  now(): Date;
  log(message: string, props?: Record<string, unknown>): void;
  /** Default CHANGE_OVERLAP_SECONDS (store/channel-changes.ts); a bench that cannot wait a minute lowers it. */
  changeOverlapSeconds?: number;
}

export type Outcome = 'established' | 'renewed' | 'deleted' | 'contended';

export interface MaintainReport {
  skipped?: string;
  established: number;
  renewed: number;
  deleted: number;
  /** Left to a concurrent run that held the record. */
  contended: number;
  /** Actions left to the next runs (pacing, MAX_GRAPH_ACTIONS_PER_RUN). */
  deferred: number;
  /** Whether this was the full pass, and what it read: channels and subscription records. */
  full: boolean;
  channelsRead: number;
  recordsRead: number;
  failed: { channelId: string; folder: string; action: SubscriptionAction['kind']; code: string; message: string }[];
}

/** Graph calls at once across channels (each mailbox is further limited by the Graph limiter). */
const PARALLELISM = 4;

const iso = (d: Date | number) => new Date(d).toISOString();

function errorOf(err: unknown): { code: string; message: string } {
  if (err instanceof MailChannelError) return { code: err.code, message: err.message.slice(0, 500) };
  return { code: 'INTERNAL', message: (err instanceof Error ? `${err.name}: ${err.message}` : String(err)).slice(0, 500) };
}

/** The record without the fields of an attempt in progress or a past failure. */
function settled(record: SubscriptionRecord): SubscriptionRecord {
  const { claimedAt: _c, requested: _r, lastError: _e, retryAt: _t, ...rest } = record;
  return { ...rest, failures: 0 };
}

export async function maintainSubscriptions(deps: MaintainDeps): Promise<MaintainReport> {
  const report: MaintainReport = { established: 0, renewed: 0, deleted: 0, contended: 0, deferred: 0, full: false, channelsRead: 0, recordsRead: 0, failed: [] };
  if (!deps.publicBaseUrl) return { ...report, skipped: 'PUBLIC_BASE_URL is not set: no change notifications; mailboxes are polled' };
  const urls = notificationUrls(deps.publicBaseUrl);
  const { channels, records, full } = await readWhatMatters(deps);
  Object.assign(report, { full, channelsRead: channels.length, recordsRead: records.length });
  const planned = planSubscriptions({ channels, records, notificationUrl: urls.notificationUrl, now: deps.now() });
  const { run: actions, deferred } = paceActions(planned);
  report.deferred = deferred;
  const clients = new Map<string, GraphSubscriptionClient>();
  const graphFor = (channel: ChannelRecord) => {
    let c = clients.get(channel.id);
    if (!c) clients.set(channel.id, (c = deps.graphFor(channel)));
    return c;
  };
  const worker = new SubscriptionWorker(deps, urls, graphFor);

  await inParallel(actions, PARALLELISM, async (a) => {
    try {
      report[await worker.run(a)]++;
    } catch (err) {
      const folder = a.kind === 'establish' ? a.folder : a.current.record.folder;
      const channelId = a.kind === 'delete' ? a.current.record.channelId : a.channel.id;
      report.failed.push({ channelId, folder, action: a.kind, ...errorOf(err) });
    }
  });
  return report;
}

/**
 * What this run looks at. Most runs: the records with something to do (listDue) and the
 * channels written since the last run, plus the channels of those records and the
 * records of those channels — so the plan sees each involved channel whole, and the
 * run's reads follow what changed, not how many mailboxes there are. Once an hour (and
 * on the first run) the full pass reads everything: it finds deleted channels, repairs
 * the subscription index and stamps `renewAt` on records from before it existed.
 */
async function readWhatMatters(deps: MaintainDeps): Promise<{ channels: ChannelRecord[]; records: StoredSubscription[]; full: boolean }> {
  const now = deps.now();
  const saved = await deps.store.readCursor();
  const { since, full } = changeWindow(saved, now, deps.changeOverlapSeconds);
  let channels: ChannelRecord[];
  let records: StoredSubscription[];
  if (full) {
    const [all, stored, index] = await Promise.all([deps.channelsChangedSince(undefined), deps.store.listAll(), deps.store.listIndex()]);
    await repairIndex(deps, indexRepairs(stored, index, now));
    channels = all;
    records = await stampRenewAt(deps, stored);
  } else {
    const [changed, due] = await Promise.all([deps.channelsChangedSince(since), deps.store.listDue(now)]);
    const known = new Set(changed.map((c) => c.id));
    const others = [...new Set(due.map((d) => d.record.channelId))].filter((id) => !known.has(id));
    const loaded = await Promise.all(others.map((id) => deps.readChannel(id)));
    channels = [...changed, ...loaded.filter((c): c is ChannelRecord => c !== undefined)];
    records = await deps.store.listForChannels([...known, ...others]);
  }
  await deps.store.saveCursor({ fullAt: full ? now.toISOString() : (saved?.cursor.fullAt ?? now.toISOString()), updatedAt: now.toISOString() });
  return { channels, records, full };
}

/** Records saved before `renewAt` existed get it, so that listDue finds them at their time (best effort, once). */
async function stampRenewAt(deps: MaintainDeps, records: StoredSubscription[]): Promise<StoredSubscription[]> {
  return Promise.all(
    records.map(async (s) => {
      const at = renewAt(s.record);
      if (s.record.renewAt || !at || s.record.state !== 'active') return s;
      return (await deps.store.replace({ ...s.record, renewAt: at }, s.etag).catch(() => undefined)) ?? s;
    }),
  );
}

/** Best effort: a failed index write is tried again by the next run; notifications meanwhile wait for the sweep. */
async function repairIndex(deps: MaintainDeps, repairs: ReturnType<typeof indexRepairs>): Promise<void> {
  await Promise.all([
    ...repairs.add.map((r) => deps.store.index(r).catch((err: unknown) => deps.log('subscription index entry could not be written', { channelId: r.channelId, subscriptionId: r.subscriptionId, ...errorOf(err) }))),
    ...repairs.remove.map((id) => deps.store.unindex(id).catch((err: unknown) => deps.log('stale subscription index entry could not be removed', { subscriptionId: id, ...errorOf(err) }))),
  ]);
}

class SubscriptionWorker {
  constructor(
    private readonly deps: MaintainDeps,
    private readonly urls: NotificationUrls,
    private readonly graphFor: (channel: ChannelRecord) => GraphSubscriptionClient,
  ) {}

  run(a: SubscriptionAction): Promise<Outcome> {
    switch (a.kind) {
      case 'establish':
        return this.establish(a.channel, a.folder, a.current, a.why);
      case 'renew':
        return this.renew(a.channel, a.current, a.why);
      case 'delete':
        return this.delete(a.channel, a.current, a.why);
    }
  }

  /** Claims the record, subscribes anew, stores the new subscription, then deletes the previous one. */
  private async establish(channel: ChannelRecord, folder: string, current: StoredSubscription | undefined, why: string): Promise<Outcome> {
    const now = this.deps.now();
    const target = subscriptionTarget(channel) ?? '';
    const claim = current
      ? await this.deps.store.replace({ ...current.record, state: 'creating', claimedAt: iso(now), updatedAt: iso(now) }, current.etag)
      : await this.deps.store.create({
          id: subscriptionRecordId(folder),
          channelId: channel.id,
          kind: 'subscription',
          folder,
          state: 'creating',
          target,
          claimedAt: iso(now),
          failures: 0,
          updatedAt: iso(now),
        });
    if (!claim) return 'contended';

    const previous = claim.record.subscriptionId;
    const clientState = newClientState();
    const graph = this.graphFor(channel);
    let sub: GraphSubscription;
    try {
      sub = await graph.create({
        folder,
        ...this.urls,
        clientState,
        expiresAt: new Date(now.getTime() + SUBSCRIPTION_LIFETIME_MS),
        changeType: 'created',
      });
    } catch (err) {
      await this.recordFailure(claim, err, 'failed');
      throw err;
    }
    const saved = await this.deps.store.replace(
      {
        ...settled(claim.record),
        folder,
        state: 'active',
        subscriptionId: sub.id,
        clientStateSha256: hashClientState(clientState),
        expiresAt: iso(Date.parse(sub.expirationDateTime)),
        renewAt: renewAt({ channelId: channel.id, id: claim.record.id, expiresAt: iso(Date.parse(sub.expirationDateTime)) }),
        notificationUrl: this.urls.notificationUrl,
        target,
        updatedAt: iso(this.deps.now()),
      },
      claim.etag,
    );
    if (!saved) {
      // Our claim was taken over while we talked to Graph: the other run's subscription wins.
      await graph.delete(sub.id).catch(() => undefined);
      return 'contended';
    }
    this.deps.log('Graph subscription established', { channelId: channel.id, folder, subscriptionId: sub.id, expiresAt: saved.record.expiresAt, why });
    await repairIndex(this.deps, { add: [{ ...saved.record, subscriptionId: sub.id }], remove: [] });
    await this.catchUp(channel, folder);
    if (previous && previous !== sub.id) {
      // Its notifications are ignored from now on; deleting it just stops them sooner.
      await graph.delete(previous).catch((err: unknown) =>
        this.deps.log('the replaced Graph subscription could not be deleted; it expires by itself', { channelId: channel.id, folder, subscriptionId: previous, ...errorOf(err) }),
      );
      await repairIndex(this.deps, { add: [], remove: [previous] });
    }
    return 'established';
  }

  /**
   * Mail that arrived while the folder had no live subscription — before the first one, or
   * while Graph had dropped or lost it, or while it notified another address — was notified
   * to nobody: a sync of the folder now finds it, instead of the next safety poll (up to
   * 15 minutes). Best effort: if it cannot be queued, that poll still reads the folder.
   */
  private async catchUp(channel: ChannelRecord, folder: string): Promise<void> {
    await this.deps
      .enqueueSync({ channelId: channel.id, reason: 'subscribed', folder, fullResync: false, requestedAt: iso(this.deps.now()) })
      .catch((err: unknown) => this.deps.log('the catch-up sync after subscribing could not be queued; the next scheduled sync reads the folder', { channelId: channel.id, folder, ...errorOf(err) }));
  }

  private async renew(channel: ChannelRecord, current: StoredSubscription & { record: { subscriptionId: string } }, why: string): Promise<Outcome> {
    const now = this.deps.now();
    let sub: GraphSubscription;
    try {
      sub = await this.graphFor(channel).renew(current.record.subscriptionId, new Date(now.getTime() + SUBSCRIPTION_LIFETIME_MS));
    } catch (err) {
      if (err instanceof PermanentError && err.code === 'GRAPH_NOT_FOUND') {
        return this.establish(channel, current.record.folder, current, 'the subscription is gone at Graph');
      }
      await this.recordFailure(current, err, current.record.state);
      throw err;
    }
    const expiresAt = iso(Date.parse(sub.expirationDateTime));
    // A concurrent change (412) is fine: Graph has the new expiry; the next run reads it again.
    await this.deps.store.replace({ ...settled(current.record), expiresAt, renewAt: renewAt({ ...current.record, expiresAt }), updatedAt: iso(this.deps.now()) }, current.etag);
    this.deps.log('Graph subscription renewed', { channelId: channel.id, folder: current.record.folder, subscriptionId: sub.id, expiresAt, why });
    return 'renewed';
  }

  private async delete(channel: ChannelRecord | undefined, current: StoredSubscription, why: string): Promise<Outcome> {
    const { record } = current;
    if (record.subscriptionId && channel) {
      try {
        await this.graphFor(channel).delete(record.subscriptionId);
      } catch (err) {
        if (isTransient(err)) {
          await this.recordFailure(current, err, record.state);
          throw err;
        }
        // Credentials refused or the like: nothing a retry changes. It expires by itself.
        this.deps.log('Graph subscription could not be deleted; it expires by itself', { channelId: record.channelId, subscriptionId: record.subscriptionId, expiresAt: record.expiresAt, ...errorOf(err) });
      }
    } else if (record.subscriptionId) {
      this.deps.log('Graph subscription forgotten without deleting it (no Graph credentials left); it expires by itself', { channelId: record.channelId, subscriptionId: record.subscriptionId, expiresAt: record.expiresAt });
    }
    if (!(await this.deps.store.remove(record, current.etag))) return 'contended';
    if (record.subscriptionId) await repairIndex(this.deps, { add: [], remove: [record.subscriptionId] });
    this.deps.log('Graph subscription removed', { channelId: record.channelId, folder: record.folder, subscriptionId: record.subscriptionId, why });
    return 'deleted';
  }

  /** Notes the failure on the record and when to try again (best effort: the record may have moved on). */
  private async recordFailure(current: StoredSubscription, err: unknown, state: SubscriptionRecord['state']): Promise<void> {
    const now = this.deps.now();
    const failures = current.record.failures + 1;
    const { claimedAt: _c, ...rest } = current.record;
    await this.deps.store
      .replace({ ...rest, state, failures, lastError: { ...errorOf(err), at: iso(now) }, retryAt: iso(now.getTime() + backoffMs(failures)), updatedAt: iso(now) }, current.etag)
      .catch(() => undefined);
  }
}
