import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ChannelRecord } from '../../../shared/config/channel';
import { CLAIM_TTL_MS, RENEW_WITHIN_MS, backoffMs, decideWanted, planSubscriptions, subscriptionTarget } from '../../../shared/notifications/plan';
import { subscriptionRecordId, type StoredSubscription, type SubscriptionRecord } from '../../../shared/notifications/subscription-record';

const NOW = new Date('2026-03-01T12:00:00.000Z');
const URL_NOTIFY = 'https://app.example/api/graph/notify';
const HOUR = 3_600_000;

function channel(over: { id?: string; status?: 'draft' | 'published' | 'paused'; protocol?: 'graph' | 'imap'; read?: string[]; exclusion?: string; username?: string } = {}): ChannelRecord {
  const at = NOW.toISOString();
  const auth = { type: 'oauth', tenantId: 't', clientId: 'c', clientSecret: { ref: 'r', updatedAt: at } };
  return ChannelRecord.parse({
    id: over.id ?? 'ch-1',
    status: over.status ?? 'published',
    name: 'Desk',
    connection:
      over.protocol === 'imap'
        ? { protocol: 'imap', host: 'imap.example', username: 'desk@example.com', auth: { type: 'password', password: { ref: 'p', updatedAt: at } } }
        : { protocol: 'graph', username: over.username ?? 'desk@contoso.example', auth },
    folders: { read: over.read ?? ['Inbox'], ...(over.exclusion ? { exclusion: over.exclusion } : {}) },
    ticketMapping: { templateId: 'tpl' },
    createdAt: at,
    createdBy: 't',
    updatedAt: at,
    updatedBy: 't',
    publishedAt: at,
  });
}

function stored(over: Partial<SubscriptionRecord> & { folder?: string } = {}): StoredSubscription {
  const folder = over.folder ?? 'Inbox';
  return {
    etag: '"e1"',
    record: {
      id: subscriptionRecordId(folder),
      channelId: 'ch-1',
      kind: 'subscription',
      folder,
      state: 'active',
      subscriptionId: 'sub-1',
      clientStateSha256: 'hash',
      expiresAt: new Date(NOW.getTime() + 48 * HOUR).toISOString(),
      notificationUrl: URL_NOTIFY,
      target: subscriptionTarget(channel()) ?? '',
      failures: 0,
      updatedAt: NOW.toISOString(),
      ...over,
    },
  };
}

const want = { target: subscriptionTarget(channel()) ?? '', notificationUrl: URL_NOTIFY };
const at = (ms: number) => new Date(NOW.getTime() + ms).toISOString();

describe('when a subscription is renewed, recreated or left alone', () => {
  it('a live subscription with more than a day left is left alone', () => {
    assert.equal(decideWanted(stored({ expiresAt: at(RENEW_WITHIN_MS + 60_000) }), want, NOW), undefined);
  });

  it('one that expires within a day is renewed', () => {
    assert.deepEqual(decideWanted(stored({ expiresAt: at(RENEW_WITHIN_MS - 60_000) }), want, NOW)?.kind, 'renew');
  });

  it('reauthorizationRequired renews at once, however far the expiry', () => {
    const s = stored({ requested: { action: 'renew', reason: 'reauthorizationRequired', at: NOW.toISOString() } });
    assert.deepEqual(decideWanted(s, want, NOW), { kind: 'renew', why: 'Graph reported reauthorizationRequired' });
  });

  it('subscriptionRemoved, an expired subscription, another mailbox or another URL make a new subscription', () => {
    assert.equal(decideWanted(stored({ requested: { action: 'recreate', reason: 'subscriptionRemoved', at: NOW.toISOString() } }), want, NOW)?.kind, 'establish');
    assert.equal(decideWanted(stored({ expiresAt: at(-1) }), want, NOW)?.kind, 'establish');
    assert.equal(decideWanted(stored({ target: 'graph.microsoft.com:443/other@contoso.example' }), want, NOW)?.kind, 'establish');
    assert.equal(decideWanted(stored({ notificationUrl: 'https://old.example/api/graph/notify' }), want, NOW)?.kind, 'establish');
  });

  it('a folder without a record gets a subscription', () => {
    assert.deepEqual(decideWanted(undefined, want, NOW)?.kind, 'establish');
  });

  it('a creation in progress is left to its run; an abandoned one is taken over', () => {
    assert.equal(decideWanted(stored({ state: 'creating', claimedAt: at(-CLAIM_TTL_MS + 1000) }), want, NOW), undefined);
    assert.equal(decideWanted(stored({ state: 'creating', claimedAt: at(-CLAIM_TTL_MS - 1000) }), want, NOW)?.kind, 'establish');
  });

  it('after a failure it waits out the backoff, then tries again', () => {
    assert.equal(decideWanted(stored({ state: 'failed', retryAt: at(30_000) }), want, NOW), undefined);
    assert.equal(decideWanted(stored({ state: 'failed', retryAt: at(-1) }), want, NOW)?.kind, 'establish');
    assert.equal(decideWanted(stored({ expiresAt: at(HOUR), retryAt: at(30_000) }), want, NOW), undefined, 'a failed renewal waits too');
  });

  it('the backoff doubles from one minute and stops at thirty', () => {
    assert.deepEqual([1, 2, 3, 4, 5, 6, 20].map((n) => backoffMs(n) / 60_000), [1, 2, 4, 8, 16, 30, 30]);
  });
});

describe('which folders of which channels are subscribed', () => {
  it('every read folder of a published Graph channel, except the exclusion folder, once', () => {
    const actions = planSubscriptions({ channels: [channel({ read: ['Inbox', 'Support', 'inbox', 'Archive'], exclusion: 'archive' })], records: [], notificationUrl: URL_NOTIFY, now: NOW });
    assert.deepEqual(actions.map((a) => [a.kind, a.kind === 'establish' ? a.folder : '']), [['establish', 'Inbox'], ['establish', 'Support']]);
  });

  it('draft, paused and IMAP channels get none', () => {
    const actions = planSubscriptions({
      channels: [channel({ id: 'a', status: 'draft' }), channel({ id: 'b', status: 'paused' }), channel({ id: 'c', protocol: 'imap' })],
      records: [],
      notificationUrl: URL_NOTIFY,
      now: NOW,
    });
    assert.deepEqual(actions, []);
  });

  it('the subscription of a paused channel is deleted with its credentials; of a deleted or IMAP channel, only forgotten', () => {
    const paused = channel({ status: 'paused' });
    const r = stored();
    const [pausedAction] = planSubscriptions({ channels: [paused], records: [r], notificationUrl: URL_NOTIFY, now: NOW });
    assert.equal(pausedAction?.kind, 'delete');
    assert.equal(pausedAction?.kind === 'delete' ? pausedAction.channel?.id : undefined, 'ch-1');
    assert.equal(pausedAction?.why, 'the channel is paused');

    const [deleted] = planSubscriptions({ channels: [], records: [r], notificationUrl: URL_NOTIFY, now: NOW });
    assert.deepEqual(deleted?.kind === 'delete' ? [deleted.channel, deleted.why] : [], [undefined, 'the channel was deleted']);

    const [imap] = planSubscriptions({ channels: [channel({ protocol: 'imap' })], records: [r], notificationUrl: URL_NOTIFY, now: NOW });
    assert.deepEqual(imap?.kind === 'delete' ? [imap.channel, imap.why] : [], [undefined, 'the channel no longer uses Microsoft Graph']);
  });

  it('a folder no longer read loses its subscription; the others keep theirs', () => {
    const actions = planSubscriptions({ channels: [channel({ read: ['Inbox'] })], records: [stored(), stored({ folder: 'Old', subscriptionId: 'sub-2' })], notificationUrl: URL_NOTIFY, now: NOW });
    assert.deepEqual(actions.map((a) => [a.kind, a.why]), [['delete', 'the folder is no longer read']]);
  });

  it('a record being created is not deleted under its run', () => {
    const actions = planSubscriptions({ channels: [], records: [stored({ state: 'creating', claimedAt: NOW.toISOString() })], notificationUrl: URL_NOTIFY, now: NOW });
    assert.deepEqual(actions, []);
  });
});
