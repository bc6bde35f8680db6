import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { hashClientState } from '../../../shared/notifications/client-state';
import { NotificationBatch, parseNotifications } from '../../../shared/notifications/notification-batch';
import { MAX_SUBSCRIPTIONS_PER_BATCH, receiveNotifications, type ReceiveDeps } from '../../../shared/notifications/receive';
import { subscriptionCache } from '../../../shared/notifications/subscription-cache';
import { subscriptionRecordId, type RequestedAction, type StoredSubscription } from '../../../shared/notifications/subscription-record';
import type { MailboxSyncMessage } from '../../../shared/queue/contracts';

const NOW = new Date('2026-03-01T12:00:00.000Z');
const SECRET_A = 'secret-of-subscription-a-0123456789abcdefghij';
const SECRET_B = 'secret-of-subscription-b-0123456789abcdefghij';

function record(subscriptionId: string, channelId: string, folder: string, secret: string): StoredSubscription {
  return {
    etag: '"1"',
    record: {
      id: subscriptionRecordId(folder),
      channelId,
      kind: 'subscription',
      folder,
      state: 'active',
      subscriptionId,
      clientStateSha256: hashClientState(secret),
      expiresAt: '2026-03-03T12:00:00.000Z',
      notificationUrl: 'https://app.example/api/graph/notify',
      target: 'graph.microsoft.com:443/desk@contoso.example',
      failures: 0,
      updatedAt: NOW.toISOString(),
    },
  };
}

const RECORDS = [record('sub-a', 'ch-1', 'Inbox', SECRET_A), record('sub-b', 'ch-2', 'Support', SECRET_B)];

function fakeDeps() {
  const enqueued: MailboxSyncMessage[] = [];
  const requested: { subscriptionId?: string; requested: RequestedAction }[] = [];
  const logs: string[] = [];
  let lookups = 0;
  const deps: ReceiveDeps = {
    findSubscription: async (id) => {
      lookups++;
      return RECORDS.find((r) => r.record.subscriptionId === id);
    },
    enqueueSync: async (m) => void enqueued.push(m),
    requestAction: async (current, r) => void requested.push({ subscriptionId: current.record.subscriptionId, requested: r }),
    now: () => NOW,
    log: (m, p) => void logs.push(`${m} ${JSON.stringify(p ?? {})}`),
  };
  return { deps, enqueued, requested, logs, lookups: () => lookups };
}

const change = (subscriptionId: string, clientState: string | null, id = 'm1') => ({ subscriptionId, clientState, changeType: 'created', resource: `Users/u/Messages/${id}`, resourceData: { id } });
const lifecycle = (subscriptionId: string, clientState: string, lifecycleEvent: string) => ({ subscriptionId, clientState, lifecycleEvent });
const batch = (...value: unknown[]) => parseNotifications(NotificationBatch.parse({ value }));

describe('acting on Graph notifications', () => {
  it('a genuine change notification queues one sync of its channel folder', async () => {
    const f = fakeDeps();
    const report = await receiveNotifications(batch(change('sub-a', SECRET_A)), f.deps);
    assert.deepEqual(f.enqueued, [{ channelId: 'ch-1', reason: 'notification', folder: 'Inbox', fullResync: false, requestedAt: NOW.toISOString() }]);
    assert.equal(report.accepted, 1);
  });

  it('ten notifications for the same folder in one batch queue one sync; another channel gets its own', async () => {
    const f = fakeDeps();
    const items = Array.from({ length: 10 }, (_, i) => change('sub-a', SECRET_A, `m${i}`));
    await receiveNotifications(batch(...items, change('sub-b', SECRET_B)), f.deps);
    assert.deepEqual(f.enqueued.map((m) => [m.channelId, m.folder]), [['ch-1', 'Inbox'], ['ch-2', 'Support']]);
    assert.equal(f.lookups(), 2, 'each subscription is looked up once per batch');
  });

  it('a wrong, missing or other subscription\'s clientState queues nothing and is logged without the value', async () => {
    const f = fakeDeps();
    const report = await receiveNotifications(batch(change('sub-a', 'guessed-secret'), change('sub-a', null), change('sub-a', SECRET_B)), f.deps);
    assert.deepEqual(f.enqueued, []);
    assert.equal(report.accepted, 0);
    assert.deepEqual(report.ignored.map((i) => i.reason), Array(3).fill('clientState does not match'));
    const logged = f.logs.join('\n');
    assert.match(logged, /wrong clientState/);
    assert.match(logged, /sub-a/);
    assert.ok(!logged.includes('guessed-secret') && !logged.includes(SECRET_B) && !logged.includes(SECRET_A));
    assert.ok(!JSON.stringify(report).includes('guessed-secret'));
  });

  it('a notification for a subscription we do not know queues nothing', async () => {
    const f = fakeDeps();
    const report = await receiveNotifications(batch(change('sub-zzz', SECRET_A)), f.deps);
    assert.deepEqual(f.enqueued, []);
    assert.deepEqual(report.ignored, [{ subscriptionId: 'sub-zzz', reason: 'unknown subscription' }]);
  });

  it('missed queues a sync; subscriptionRemoved queues a sync and asks for a recreate; reauthorizationRequired asks for a renewal', async () => {
    const f = fakeDeps();
    await receiveNotifications(batch(lifecycle('sub-a', SECRET_A, 'missed')), f.deps);
    assert.deepEqual(f.enqueued.map((m) => [m.channelId, m.folder, m.reason]), [['ch-1', 'Inbox', 'lifecycle']]);
    assert.deepEqual(f.requested, []);

    const g = fakeDeps();
    await receiveNotifications(batch(lifecycle('sub-a', SECRET_A, 'subscriptionRemoved')), g.deps);
    assert.deepEqual(g.enqueued.map((m) => m.reason), ['lifecycle']);
    assert.deepEqual(g.requested.map((r) => [r.subscriptionId, r.requested.action, r.requested.reason]), [['sub-a', 'recreate', 'subscriptionRemoved']]);

    const h = fakeDeps();
    await receiveNotifications(batch(lifecycle('sub-b', SECRET_B, 'reauthorizationRequired')), h.deps);
    assert.deepEqual(h.enqueued, []);
    assert.deepEqual(h.requested.map((r) => [r.subscriptionId, r.requested.action]), [['sub-b', 'renew']]);
  });

  it('a forged lifecycle notification changes nothing', async () => {
    const f = fakeDeps();
    await receiveNotifications(batch(lifecycle('sub-a', 'nope', 'subscriptionRemoved'), lifecycle('sub-b', SECRET_A, 'reauthorizationRequired')), f.deps);
    assert.deepEqual(f.enqueued, []);
    assert.deepEqual(f.requested, []);
  });

  it('a recreate and a renewal of one subscription in one batch ask for the recreate only', async () => {
    const f = fakeDeps();
    await receiveNotifications(batch(lifecycle('sub-a', SECRET_A, 'subscriptionRemoved'), lifecycle('sub-a', SECRET_A, 'reauthorizationRequired')), f.deps);
    assert.deepEqual(f.requested.map((r) => r.requested.action), ['recreate']);
  });

  it('an unknown lifecycle event is ignored, and a malformed item does not spoil the batch', async () => {
    const f = fakeDeps();
    const report = await receiveNotifications(batch(lifecycle('sub-a', SECRET_A, 'somethingNew'), { nonsense: true }, change('sub-b', SECRET_B)), f.deps);
    assert.deepEqual(f.enqueued.map((m) => m.channelId), ['ch-2']);
    assert.equal(report.ignored.length, 2);
  });
  it('a flood of made-up subscription ids costs at most MAX_SUBSCRIPTIONS_PER_BATCH lookups; the rest is dropped and logged', async () => {
    const f = fakeDeps();
    const flood = Array.from({ length: 1000 }, (_, i) => change(`made-up-${i}`, 'guess'));
    const report = await receiveNotifications(batch(...flood, change('sub-a', SECRET_A)), f.deps);
    assert.equal(f.lookups(), MAX_SUBSCRIPTIONS_PER_BATCH);
    assert.equal(report.dropped, 1001 - MAX_SUBSCRIPTIONS_PER_BATCH, 'the genuine one came too late: the delta sweep finds its mail');
    assert.equal(report.ignored.length, MAX_SUBSCRIPTIONS_PER_BATCH);
    assert.match(f.logs.join('\n'), /dropped/);

    const same = fakeDeps();
    await receiveNotifications(batch(...Array.from({ length: 1000 }, () => change('made-up', 'guess'))), same.deps);
    assert.equal(same.lookups(), 1, 'one id, one lookup');
  });

  it('made-up ids ahead of a subscription this instance knows do not crowd it out: it is accepted without a read, and each made-up id costs one lookup up to the bound', async () => {
    const f = fakeDeps();
    const cache = subscriptionCache();
    const a = RECORDS[0];
    assert.ok(a);
    cache.set(a);
    const flood = Array.from({ length: 999 }, (_, i) => change(`made-up-${i}`, 'guess'));
    const report = await receiveNotifications(batch(...flood, change('sub-a', SECRET_A)), { ...f.deps, knownSubscription: (id) => cache.get(id) });
    assert.deepEqual(f.enqueued.map((m) => m.channelId), ['ch-1'], 'the genuine notification counts');
    assert.equal(f.lookups(), MAX_SUBSCRIPTIONS_PER_BATCH, 'the known id took no lookup');
    assert.equal(report.accepted, 1);
    assert.equal(report.dropped, 999 - MAX_SUBSCRIPTIONS_PER_BATCH);
  });

  it('items beyond 1,000 per request are dropped and counted, not refused', async () => {
    const f = fakeDeps();
    const report = await receiveNotifications(batch(...Array.from({ length: 1005 }, () => change('sub-a', SECRET_A))), f.deps);
    assert.equal(report.accepted, 1000);
    assert.equal(report.dropped, 5);
    assert.equal(f.enqueued.length, 1);
  });
});
