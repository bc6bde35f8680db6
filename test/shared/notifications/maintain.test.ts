import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { ChannelRecord } from '../../../shared/config/channel';
import { PermanentError, TransientError } from '../../../shared/errors';
import { clientStateMatches } from '../../../shared/notifications/client-state';
import { maintainSubscriptions, type GraphSubscriptionClient, type MaintainDeps } from '../../../shared/notifications/maintain';
import { RENEW_LEAD_MAX_MS, RENEW_LEAD_MIN_MS, renewAt } from '../../../shared/notifications/plan';
import { requestSubscriptionAction } from '../../../shared/notifications/request-action';
import { subscriptionIndexId, subscriptionRecordId, SUBSCRIPTION_INDEX_PARTITION } from '../../../shared/notifications/subscription-record';
import { cosmosSubscriptionStore, type SubscriptionStore } from '../../../shared/notifications/subscription-store';
import type { GraphSubscription, SubscriptionRequest } from '../../../shared/sources/graph-subscriptions';
import { FULL_PASS_EVERY_MS } from '../../../shared/store/channel-changes';
import { useEmulatorEnv, type EmulatorEnv } from '../store/emulator-env';
import type { MailboxSyncMessage } from '../../../shared/queue/contracts';
import { channelNotifications } from '../../../shared/notifications/status';
import { channelRecord } from './channel-record';

/**
 * The renewSubscriptions run against the real Cosmos emulator (records, ETags, 409s) with a
 * recording stand-in for Graph's subscription calls (the calls themselves are tested
 * against the Graph simulator in test/shared/sources and test/integration).
 */
const BASE = 'https://mail.example';
const HOUR = 3_600_000;

const channel = (id: string, over: { status?: 'published' | 'paused'; read?: string[] } = {}) => channelRecord({ id, username: `${id}@contoso.example`, ...over });

/** Graph's subscription calls, recorded; `fail` makes the next calls of a kind throw. */
class FakeGraph implements GraphSubscriptionClient {
  calls: { op: 'create' | 'renew' | 'delete'; id?: string; req?: SubscriptionRequest }[] = [];
  live = new Map<string, { expires: string; clientState: string }>();
  fail: Partial<Record<'create' | 'renew' | 'delete', Error[]>> = {};
  delayMs = 0;

  private async step(op: 'create' | 'renew' | 'delete') {
    if (this.delayMs) await new Promise((r) => setTimeout(r, this.delayMs));
    const err = this.fail[op]?.shift();
    if (err) throw err;
  }
  async create(req: SubscriptionRequest): Promise<GraphSubscription> {
    this.calls.push({ op: 'create', req });
    await this.step('create');
    const id = randomUUID();
    const expires = req.expiresAt.toISOString().replace('Z', '0000Z');
    this.live.set(id, { expires, clientState: req.clientState });
    return { id, resource: `users/x/mailFolders('${req.folder}')/messages`, changeType: req.changeType ?? 'created', expirationDateTime: expires, notificationUrl: req.notificationUrl, clientState: req.clientState };
  }
  async renew(id: string, expiresAt: Date): Promise<GraphSubscription> {
    this.calls.push({ op: 'renew', id });
    await this.step('renew');
    const s = this.live.get(id);
    if (!s) throw new PermanentError('GRAPH_NOT_FOUND', `renewing subscription ${id}: not found`);
    s.expires = expiresAt.toISOString();
    return { id, resource: 'r', changeType: 'created', expirationDateTime: s.expires, notificationUrl: 'n' };
  }
  async delete(id: string): Promise<void> {
    this.calls.push({ op: 'delete', id });
    await this.step('delete');
    this.live.delete(id);
  }
  count(op: 'create' | 'renew' | 'delete') {
    return this.calls.filter((c) => c.op === op).length;
  }
}

describe('keeping Graph subscriptions alive (Cosmos emulator)', () => {
  let env: EmulatorEnv;
  let store: SubscriptionStore;

  before(async () => {
    env = await useEmulatorEnv();
    store = cosmosSubscriptionStore();
  });
  after(async () => {
    await env?.stop();
  });

  /** The catch-up syncs the runs queued. */
  const queued: MailboxSyncMessage[] = [];
  const queuedFor = (channelId: string) => queued.filter((m) => m.channelId === channelId).map((m) => [m.folder, m.reason]);

  function deps(graph: FakeGraph, channels: ChannelRecord[], now = () => new Date(), over: Partial<MaintainDeps> = {}): MaintainDeps {
    // The channels live in the test, not in Cosmos: to the run they are always "just changed".
    return {
      publicBaseUrl: BASE,
      channelsChangedSince: async () => channels,
      readChannel: async (id) => channels.find((c) => c.id === id),
      store,
      graphFor: () => graph,
      enqueueSync: async (m) => void queued.push(m),
      now,
      log: () => undefined,
      ...over,
    };
  }
  const recordOf = async (channelId: string, folder = 'Inbox') => (await store.read(channelId, subscriptionRecordId(folder)))?.record;

  it('three runs at once subscribe each folder exactly once, and a further run calls Graph no more', async () => {
    const graph = new FakeGraph();
    graph.delayMs = 50;
    const ch = channel('concurrent', { read: ['Inbox', 'Support'] });
    const reports = await Promise.all([1, 2, 3].map(() => maintainSubscriptions(deps(graph, [ch]))));
    assert.equal(graph.count('create'), 2, 'one subscription per folder');
    assert.equal(reports.reduce((n, r) => n + r.established, 0), 2);
    // the other runs either lost the claim (contended) or, starting later, found the folder
    // subscribed already (nothing to do): never a second subscription, never a failure
    assert.ok(reports.reduce((n, r) => n + r.contended, 0) <= 4);
    assert.deepEqual(reports.flatMap((r) => r.failed), []);

    const inbox = await recordOf('concurrent');
    assert.equal(inbox?.state, 'active');
    const created = graph.calls.find((c) => c.op === 'create' && c.req?.folder === 'Inbox')?.req;
    assert.equal(created?.notificationUrl, `${BASE}/api/graph/notify`);
    assert.equal(created?.lifecycleNotificationUrl, `${BASE}/api/graph/lifecycle`);
    assert.equal(created?.changeType, 'created');
    assert.ok(created && clientStateMatches(created.clientState, inbox?.clientStateSha256), 'the stored hash is of the clientState Graph got');
    assert.ok(!JSON.stringify(inbox).includes(created?.clientState ?? '-'), 'the clientState itself is not stored');

    const again = await maintainSubscriptions(deps(graph, [ch]));
    assert.deepEqual([again.established, again.renewed, again.deleted, graph.calls.length], [0, 0, 0, 2]);
  });

  it('without PUBLIC_BASE_URL nothing is done and the report says why', async () => {
    const graph = new FakeGraph();
    const report = await maintainSubscriptions(deps(graph, [channel('no-url')], undefined, { publicBaseUrl: undefined }));
    assert.match(report.skipped ?? '', /PUBLIC_BASE_URL/);
    assert.equal(graph.calls.length, 0);
    assert.equal(await recordOf('no-url'), undefined);
  });

  it('a failed subscribe is recorded with its reason and retried after the backoff, not before', async () => {
    const graph = new FakeGraph();
    graph.fail.create = [new TransientError('GRAPH_SUBSCRIPTION_VALIDATION', 'Graph could not validate the notification URL')];
    const ch = channel('flaky');
    let now = new Date();
    const first = await maintainSubscriptions(deps(graph, [ch], () => now));
    assert.deepEqual(first.failed.map((f) => f.code), ['GRAPH_SUBSCRIPTION_VALIDATION']);
    const failed = await recordOf('flaky');
    assert.equal(failed?.state, 'failed');
    assert.equal(failed?.lastError?.code, 'GRAPH_SUBSCRIPTION_VALIDATION');
    assert.equal(failed?.failures, 1);
    // what the monitoring API shows of it, from the records as stored
    const shown = channelNotifications(ch, (await store.listForChannels(['flaky'])).map((r) => r.record), BASE, now);
    assert.deepEqual(shown?.folders.map((f) => [f.folder, f.state, f.lastError?.code, f.failures, f.retryAt]), [['Inbox', 'failed', 'GRAPH_SUBSCRIPTION_VALIDATION', 1, failed?.retryAt]]);

    await maintainSubscriptions(deps(graph, [ch], () => now));
    assert.equal(graph.count('create'), 1, 'no retry within the backoff');

    now = new Date(now.getTime() + 2 * 60_000);
    const later = await maintainSubscriptions(deps(graph, [ch], () => now));
    assert.equal(later.established, 1);
    const ok = await recordOf('flaky');
    assert.deepEqual([ok?.state, ok?.failures, ok?.lastError, ok?.retryAt], ['active', 0, undefined, undefined]);
    const healed = channelNotifications(ch, (await store.listForChannels(['flaky'])).map((r) => r.record), BASE, now);
    assert.deepEqual(healed?.folders.map((f) => [f.state, f.subscribedUntil, f.lastError]), [['active', ok?.expiresAt, undefined]]);
  });

  it('a subscription is renewed at its renewal time, stored on the record; earlier it is left alone', async () => {
    const graph = new FakeGraph();
    const ch = channel('renewal');
    const t0 = new Date();
    await maintainSubscriptions(deps(graph, [ch], () => t0));
    const created = await recordOf('renewal');
    const expires = Date.parse(created?.expiresAt ?? '');
    assert.ok(created);
    assert.equal(created.renewAt, renewAt(created), 'the renewal time is stored, for listDue');
    const due = Date.parse(created.renewAt ?? '');
    assert.ok(due >= expires - RENEW_LEAD_MAX_MS && due <= expires - RENEW_LEAD_MIN_MS);

    await maintainSubscriptions(deps(graph, [ch], () => new Date(due - 60_000)));
    assert.equal(graph.count('renew'), 0);

    const late = new Date(due);
    const report = await maintainSubscriptions(deps(graph, [ch], () => late));
    assert.equal(report.renewed, 1);
    assert.deepEqual(graph.calls.filter((c) => c.op === 'renew').map((c) => c.id), [created?.subscriptionId]);
    const renewed = await recordOf('renewal');
    assert.ok(Date.parse(renewed?.expiresAt ?? '') > expires, 'the new expiry is stored');
    assert.equal(renewed?.subscriptionId, created?.subscriptionId);
    assert.ok(Date.parse(renewed?.renewAt ?? '') > due, 'and its next renewal time');
  });

  it('reauthorizationRequired: the next run renews at once; subscriptionRemoved: it subscribes anew and drops the old one', async () => {
    const graph = new FakeGraph();
    const ch = channel('lifecycle');
    await maintainSubscriptions(deps(graph, [ch]));
    const first = await store.read('lifecycle', subscriptionRecordId('Inbox'));
    assert.ok(first);

    assert.equal(await requestSubscriptionAction(store, first, { action: 'renew', reason: 'reauthorizationRequired', at: new Date().toISOString() }), true);
    const r1 = await maintainSubscriptions(deps(graph, [ch]));
    assert.equal(r1.renewed, 1);
    assert.equal((await recordOf('lifecycle'))?.requested, undefined, 'the request is done');

    const current = await store.read('lifecycle', subscriptionRecordId('Inbox'));
    assert.ok(current);
    graph.live.delete(current.record.subscriptionId ?? ''); // Graph removed it
    assert.equal(await requestSubscriptionAction(store, current, { action: 'recreate', reason: 'subscriptionRemoved', at: new Date().toISOString() }), true);
    const r2 = await maintainSubscriptions(deps(graph, [ch]));
    assert.equal(r2.established, 1);
    const replaced = await recordOf('lifecycle');
    assert.notEqual(replaced?.subscriptionId, current.record.subscriptionId);
    assert.equal(replaced?.requested, undefined);
    assert.ok(graph.calls.some((c) => c.op === 'delete' && c.id === current.record.subscriptionId), 'the old one is deleted (a 404 there is fine)');
  });

  it('each established subscription queues a sync of its folder (mail that came while there was none), a renewal none; a sync that cannot be queued leaves the subscription in place', async () => {
    const graph = new FakeGraph();
    const ch = channel('catch-up', { read: ['Inbox', 'Support'] });
    const t0 = new Date();
    await maintainSubscriptions(deps(graph, [ch], () => t0));
    assert.deepEqual(queuedFor('catch-up').sort(), [['Inbox', 'subscribed'], ['Support', 'subscribed']]);

    const inbox = await recordOf('catch-up');
    const renewal = await maintainSubscriptions(deps(graph, [ch], () => new Date(Date.parse(inbox?.renewAt ?? ''))));
    assert.ok(renewal.renewed >= 1);
    assert.equal(queuedFor('catch-up').length, 2, 'a renewal leaves no gap: nothing queued');

    const current = await store.read('catch-up', subscriptionRecordId('Inbox'));
    assert.ok(current);
    graph.live.delete(current.record.subscriptionId ?? '');
    await requestSubscriptionAction(store, current, { action: 'recreate', reason: 'subscriptionRemoved', at: new Date().toISOString() });
    const logged: string[] = [];
    const report = await maintainSubscriptions(
      deps(graph, [ch], () => new Date(), { enqueueSync: async () => { throw new Error('queue unavailable'); }, log: (m) => void logged.push(m) }),
    );
    assert.deepEqual([report.established, report.failed.length], [1, 0], 'the new subscription stands');
    assert.equal((await recordOf('catch-up'))?.state, 'active');
    assert.ok(logged.some((m) => m.includes('catch-up sync')), 'and the log says the sync was not queued');

    graph.live.delete((await recordOf('catch-up'))?.subscriptionId ?? '');
    const again = await store.read('catch-up', subscriptionRecordId('Inbox'));
    await requestSubscriptionAction(store, again!, { action: 'recreate', reason: 'subscriptionRemoved', at: new Date().toISOString() });
    await maintainSubscriptions(deps(graph, [ch]));
    assert.deepEqual(queuedFor('catch-up').slice(2), [['Inbox', 'subscribed']], 'a subscription made in place of a removed one queues its folder’s sync');
  });

  it('a lifecycle request about a subscription that was replaced meanwhile changes nothing', async () => {
    const graph = new FakeGraph();
    const ch = channel('stale-request');
    await maintainSubscriptions(deps(graph, [ch]));
    const old = await store.read('stale-request', subscriptionRecordId('Inbox'));
    assert.ok(old);
    await store.replace({ ...old.record, subscriptionId: 'newer-one' }, old.etag);
    assert.equal(await requestSubscriptionAction(store, old, { action: 'recreate', reason: 'subscriptionRemoved', at: new Date().toISOString() }), false);
    assert.equal((await recordOf('stale-request'))?.requested, undefined);
  });

  it('renewing a subscription Graph no longer knows subscribes anew', async () => {
    const graph = new FakeGraph();
    const ch = channel('forgotten');
    const t0 = new Date();
    await maintainSubscriptions(deps(graph, [ch], () => t0));
    const before = await recordOf('forgotten');
    graph.live.clear();
    const report = await maintainSubscriptions(deps(graph, [ch], () => new Date(Date.parse(before?.expiresAt ?? '') - HOUR)));
    assert.deepEqual([report.renewed, report.established, report.failed.length], [0, 1, 0]);
    assert.notEqual((await recordOf('forgotten'))?.subscriptionId, before?.subscriptionId);
  });

  it('pausing a channel deletes its subscription at Graph at the next run; a deleted channel\'s record is dropped by the next full pass, without a Graph call', async () => {
    const graph = new FakeGraph();
    const ch = channel('pausing');
    const gone = channel('deleting');
    // Later than any other test's clock, so this test's runs decide when the full pass is.
    const t0 = new Date(Date.now() + 30 * 24 * HOUR);
    await maintainSubscriptions(deps(graph, [ch, gone], () => t0));
    const subId = (await recordOf('pausing'))?.subscriptionId;
    const callsBefore = graph.calls.length;

    const report = await maintainSubscriptions(deps(graph, [{ ...ch, status: 'paused' }], () => new Date(t0.getTime() + 60_000)));
    assert.equal(report.full, false);
    assert.equal(report.deleted, 1, 'the paused channel changed: seen at once');
    assert.equal(await recordOf('pausing'), undefined);
    assert.ok(await recordOf('deleting'), 'a deletion leaves no trace to follow: kept until the full pass');

    const full = await maintainSubscriptions(deps(graph, [], () => new Date(t0.getTime() + FULL_PASS_EVERY_MS + 60_000)));
    assert.equal(full.full, true);
    assert.ok(full.deleted >= 1);
    assert.deepEqual(graph.calls.slice(callsBefore).map((c) => [c.op, c.id]), [['delete', subId]]);
    assert.equal(await recordOf('deleting'), undefined);
  });

  it('a delete that fails for a passing reason is kept and retried; the record is not lost', async () => {
    const graph = new FakeGraph();
    const ch = channel('delete-retry');
    await maintainSubscriptions(deps(graph, [ch]));
    graph.fail.delete = [new TransientError('GRAPH_UNAVAILABLE', 'Graph answered 503')];
    let now = new Date();
    const paused = { ...ch, status: 'paused' as const };
    const r1 = await maintainSubscriptions(deps(graph, [paused], () => now));
    assert.deepEqual(r1.failed.map((f) => [f.action, f.code]), [['delete', 'GRAPH_UNAVAILABLE']]);
    assert.ok(await recordOf('delete-retry'));
    now = new Date(now.getTime() + 2 * 60_000);
    const r2 = await maintainSubscriptions(deps(graph, [paused], () => now));
    assert.equal(r2.deleted, 1);
    assert.equal(await recordOf('delete-retry'), undefined);
  });
  it('a subscription is found by its id through the index; a replaced or deleted one is not, and a missing entry is repaired by the next run', async () => {
    const graph = new FakeGraph();
    const ch = channel('indexed');
    await maintainSubscriptions(deps(graph, [ch]));
    const first = (await recordOf('indexed'))?.subscriptionId ?? '';
    assert.equal((await store.findBySubscriptionId(first))?.record.channelId, 'indexed');
    assert.equal(await store.findBySubscriptionId('made-up/id?#'), undefined, 'an unknown id (with characters no Cosmos id may hold) is simply unknown');

    // Graph lost it: the run recreates it; the old id no longer finds the record, the new one does
    graph.live.clear();
    const soon = () => new Date(Date.now() + 4_230 * 60_000 - HOUR);
    await maintainSubscriptions(deps(graph, [ch], soon));
    const second = (await recordOf('indexed'))?.subscriptionId ?? '';
    assert.notEqual(second, first);
    assert.equal(await store.findBySubscriptionId(first), undefined);
    assert.equal((await store.findBySubscriptionId(second))?.record.subscriptionId, second);
    assert.equal((await store.listIndex()).some((e) => e.subscriptionId === first), false, 'the replaced one left the index');

    // a record from before the index (or whose entry write failed) is indexed by the next full pass
    await store.unindex(second);
    assert.equal(await store.findBySubscriptionId(second), undefined);
    await maintainSubscriptions(deps(graph, [ch], () => new Date(soon().getTime() + FULL_PASS_EVERY_MS)));
    assert.equal((await store.findBySubscriptionId(second))?.record.subscriptionId, second);
    assert.equal(subscriptionIndexId(second).includes('/'), false);
    assert.ok((await store.listIndex()).every((e) => e.channelId === SUBSCRIPTION_INDEX_PARTITION));

    // pausing deletes it, and its entry with it
    await maintainSubscriptions(deps(graph, [channel('indexed', { status: 'paused' })]));
    assert.equal(await store.findBySubscriptionId(second), undefined);
    assert.equal((await store.listIndex()).some((e) => e.subscriptionId === second), false);
  });
});
