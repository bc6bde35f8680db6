import { test } from 'node:test';
import assert from 'node:assert/strict';
import { indexRepairs } from '../../../shared/notifications/subscription-index';
import { SUBSCRIPTION_LIFETIME_MS } from '../../../shared/notifications/plan';
import { SUBSCRIPTION_INDEX_PARTITION, subscriptionRecordId, type StoredSubscription, type SubscriptionIndexEntry } from '../../../shared/notifications/subscription-record';

const NOW = new Date('2026-03-01T12:00:00.000Z');

function stored(channelId: string, subscriptionId?: string): StoredSubscription {
  return {
    etag: '"1"',
    record: { id: subscriptionRecordId('Inbox'), channelId, kind: 'subscription', folder: 'Inbox', state: 'active', target: 't', failures: 0, updatedAt: NOW.toISOString(), ...(subscriptionId ? { subscriptionId } : {}) },
  };
}

function entry(subscriptionId: string, channelId: string, ageMs: number): SubscriptionIndexEntry {
  return {
    id: `subscription-index:${subscriptionId}`,
    channelId: SUBSCRIPTION_INDEX_PARTITION,
    kind: 'subscriptionIndex',
    subscriptionId,
    record: { channelId, id: subscriptionRecordId('Inbox') },
    updatedAt: new Date(NOW.getTime() - ageMs).toISOString(),
  };
}

test('records whose subscription has no (or a wrong) index entry get one; records without a subscription need none', () => {
  const r = indexRepairs([stored('a', 'sub-a'), stored('b', 'sub-b'), stored('c')], [entry('sub-b', 'elsewhere', 0)], NOW);
  assert.deepEqual(r.add.map((x) => [x.channelId, x.subscriptionId]), [['a', 'sub-a'], ['b', 'sub-b']]);
  assert.deepEqual(r.remove, []);
});

test('an entry no record refers to is removed only once older than a subscription can live (a run may be saving it now)', () => {
  const r = indexRepairs([stored('a', 'sub-a')], [entry('sub-a', 'a', 0), entry('gone-old', 'x', SUBSCRIPTION_LIFETIME_MS + 1), entry('gone-young', 'x', 60_000)], NOW);
  assert.deepEqual(r.add, []);
  assert.deepEqual(r.remove, ['gone-old']);
});
