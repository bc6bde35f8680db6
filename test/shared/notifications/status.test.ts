import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { subscriptionTarget } from '../../../shared/notifications/plan';
import { channelNotifications } from '../../../shared/notifications/status';
import { subscriptionRecordId, type SubscriptionRecord } from '../../../shared/notifications/subscription-record';
import { channelRecord, type ChannelRecordOptions } from './channel-record';

const BASE = 'https://mail.example';
const NOTIFY = `${BASE}/api/graph/notify`;
const now = new Date('2026-12-07T12:00:00Z');
const later = (h: number) => new Date(now.getTime() + h * 3_600_000).toISOString();

const channel = (over: ChannelRecordOptions = {}) => channelRecord({ id: 'ch', at: now, ...over });

function record(folder: string, over: Partial<SubscriptionRecord> = {}): SubscriptionRecord {
  return {
    id: subscriptionRecordId(folder),
    channelId: 'ch',
    kind: 'subscription',
    folder,
    state: 'active',
    subscriptionId: `sub-${folder}`,
    expiresAt: later(60),
    renewAt: later(30),
    notificationUrl: NOTIFY,
    target: subscriptionTarget(channel())!,
    failures: 0,
    updatedAt: now.toISOString(),
    ...over,
  };
}

describe('channelNotifications', () => {
  it('each read folder says whether Graph notifies this deployment, until when, and what went wrong', () => {
    const ch = channel({ read: ['Inbox', 'Support', 'Billing', 'Old', 'Moved', 'Busy'] });
    const error = { code: 'GRAPH_FORBIDDEN', message: 'Access is denied', at: now.toISOString() };
    const status = channelNotifications(
      ch,
      [
        record('Inbox'),
        record('Support', { state: 'failed', failures: 3, lastError: error, retryAt: later(0.5) }),
        record('Old', { expiresAt: later(-1) }),
        record('Moved', { notificationUrl: 'https://old.example/api/graph/notify' }),
        record('Busy', { state: 'creating', requested: { action: 'recreate', reason: 'subscriptionRemoved', at: now.toISOString() } }),
        record('Elsewhere', { channelId: 'ch' }), // a folder no longer read: not shown
      ],
      BASE,
      now,
    );
    assert.equal(status?.mode, 'push');
    assert.equal(status?.safetyPollSeconds, 900, 'a pushed channel is still read every 15 minutes');
    assert.deepEqual(status?.folders.map((f) => [f.folder, f.state]), [
      ['Inbox', 'active'],
      ['Support', 'failed'],
      ['Billing', 'missing'],
      ['Old', 'expired'],
      ['Moved', 'outdated'],
      ['Busy', 'creating'],
    ]);
    assert.deepEqual(status?.folders[0], { folder: 'Inbox', state: 'active', subscribedUntil: later(60), renewAt: later(30), failures: 0 });
    assert.deepEqual(status?.folders[1]?.lastError, error);
    assert.equal(status?.folders[1]?.retryAt, later(0.5));
    assert.equal(status?.folders[5]?.requested?.reason, 'subscriptionRemoved');
    assert.ok(!JSON.stringify(status).includes('sub-Inbox'), "Graph's subscription ids are not shown");
  });

  it('a subscription of another mailbox counts as outdated (the next run subscribes anew)', () => {
    const status = channelNotifications(channel(), [record('Inbox', { target: 'graph.microsoft.com:443/someone-else@contoso.example' })], BASE, now);
    assert.equal(status?.folders[0]?.state, 'outdated');
  });

  it('polling, and why, without a public URL; not read at all when the channel is not published; nothing for IMAP', () => {
    assert.deepEqual(channelNotifications(channel({ pollIntervalSeconds: 120 }), [record('Inbox')], undefined, now), {
      mode: 'polling',
      why: 'PUBLIC_BASE_URL is not set: Graph cannot reach this deployment',
      safetyPollSeconds: 120,
      folders: [],
    });
    assert.deepEqual(channelNotifications(channel({ status: 'paused' }), [record('Inbox')], BASE, now), {
      mode: 'none',
      why: "the channel is paused: only a published channel's mailbox is read",
      folders: [],
    });
    assert.equal(channelNotifications(channel({ protocol: 'imap' }), [], BASE, now), undefined);
  });
});
