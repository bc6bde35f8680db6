import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { subscriptionCache } from '../../../shared/notifications/subscription-cache';
import { subscriptionRecordId, type StoredSubscription } from '../../../shared/notifications/subscription-record';

const found = (subscriptionId: string): StoredSubscription => ({
  etag: '"1"',
  record: {
    id: subscriptionRecordId('Inbox'),
    channelId: `ch-${subscriptionId}`,
    kind: 'subscription',
    folder: 'Inbox',
    state: 'active',
    subscriptionId,
    target: 't',
    failures: 0,
    updatedAt: '2026-03-01T12:00:00.000Z',
  },
});

describe('the per-instance cache of known subscriptions', () => {
  it('holds at most its bound: 30,000 subscriptions seen, the 1,000 oldest are forgotten first', () => {
    const cache = subscriptionCache({ maxEntries: 29_000 });
    for (let i = 0; i < 30_000; i++) cache.set(found(`s-${i}`));
    assert.equal(cache.size, 29_000);
    assert.equal(cache.get('s-999'), undefined);
    assert.equal(cache.get('s-1000')?.record.channelId, 'ch-s-1000');
    assert.equal(cache.get('s-29999')?.record.channelId, 'ch-s-29999');
  });

  it('forgets an entry once its time to live has passed (then the store is asked again)', () => {
    let clock = 0;
    const cache = subscriptionCache({ ttlMs: 1000, now: () => clock });
    cache.set(found('a'));
    clock = 999;
    assert.ok(cache.get('a'));
    clock = 1000;
    assert.equal(cache.get('a'), undefined);
    assert.equal(cache.size, 0);
  });

  it('a record without a subscription id is not cached', () => {
    const cache = subscriptionCache();
    const { subscriptionId: _omit, ...record } = found('x').record;
    cache.set({ etag: '"1"', record });
    assert.equal(cache.size, 0);
  });
});
