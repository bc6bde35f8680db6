import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  CLAIM_TTL_MS, MAX_GRAPH_ACTIONS_PER_RUN, RENEW_LEAD_MAX_MS, RENEW_LEAD_MIN_MS, SUBSCRIPTION_LIFETIME_MS, backoffMs, decideWanted, paceActions, planSubscriptions, renewAt,
  subscriptionTarget, type SubscriptionAction,
} from '../../../shared/notifications/plan';
import { subscriptionRecordId, type StoredSubscription, type SubscriptionRecord } from '../../../shared/notifications/subscription-record';
import { channelRecord, type ChannelRecordOptions } from './channel-record';

const NOW = new Date('2026-03-01T12:00:00.000Z');
const URL_NOTIFY = 'https://app.example/api/graph/notify';
const HOUR = 3_600_000;

const channel = (over: ChannelRecordOptions = {}) => channelRecord({ at: NOW, ...over });

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
  it('a live subscription with more than 36 hours left is left alone', () => {
    assert.equal(decideWanted(stored({ expiresAt: at(RENEW_LEAD_MAX_MS + 60_000) }), want, NOW), undefined);
  });

  it('one with less than 12 hours left is renewed, and in between from its own renewal time on', () => {
    assert.deepEqual(decideWanted(stored({ expiresAt: at(RENEW_LEAD_MIN_MS - 60_000) }), want, NOW)?.kind, 'renew');
    const s = stored({ expiresAt: at(30 * HOUR) });
    const due = Date.parse(renewAt(s.record) ?? '');
    assert.equal(decideWanted(s, want, new Date(due - 1000)), undefined);
    assert.equal(decideWanted(s, want, new Date(due))?.kind, 'renew');
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

describe('renewals spread over the renewal window and paced', () => {
  // 10,000 mailboxes with two read folders each, all subscribed in the same minute (a new deployment).
  const MAILBOXES = 10_000;
  const expiresAt = at(SUBSCRIPTION_LIFETIME_MS);
  const records = Array.from({ length: MAILBOXES }, (_, i) => ['Inbox', 'Support'].map((folder) => stored({ channelId: `ch-${i}`, folder, expiresAt }).record)).flat();

  it('20,000 subscriptions made together are renewed over 24 hours, at most a few times the mean in any minute, all with 12 hours to spare', () => {
    const perMinute = new Map<number, number>();
    for (const r of records) {
      const minute = Math.floor(Date.parse(renewAt(r) ?? '') / 60_000);
      perMinute.set(minute, (perMinute.get(minute) ?? 0) + 1);
    }
    const minutes = [...perMinute.keys()];
    const first = Math.min(...minutes);
    const last = Math.max(...minutes);
    const windowMinutes = (RENEW_LEAD_MAX_MS - RENEW_LEAD_MIN_MS) / 60_000;
    const mean = records.length / windowMinutes;
    assert.ok(last - first >= windowMinutes - 5, 'the whole window is used');
    assert.ok(first * 60_000 >= Date.parse(expiresAt) - RENEW_LEAD_MAX_MS, 'not before 36 hours ahead');
    assert.ok((last + 1) * 60_000 <= Date.parse(expiresAt) - RENEW_LEAD_MIN_MS, '12 hours to spare');
    assert.ok(Math.max(...perMinute.values()) <= 3 * mean, `busiest minute ${Math.max(...perMinute.values())} vs mean ${mean.toFixed(1)}`);
    assert.ok(Math.max(...perMinute.values()) <= MAX_GRAPH_ACTIONS_PER_RUN, 'every minute fits one run');
  });

  it('a renewed subscription keeps its place in the window: its next renewal is one period later, so the spread stays', () => {
    const r = records[0];
    assert.ok(r);
    const firstRenewal = Date.parse(renewAt(r) ?? '');
    const next = renewAt({ ...r, expiresAt: new Date(firstRenewal + SUBSCRIPTION_LIFETIME_MS).toISOString() });
    const lead = Date.parse(r.expiresAt ?? '') - firstRenewal;
    assert.equal(Date.parse(next ?? '') - firstRenewal, SUBSCRIPTION_LIFETIME_MS - lead, 'the same lead before the new expiry');
  });

  it('a run carries out at most MAX_GRAPH_ACTIONS_PER_RUN actions: missing subscriptions first, then renewals by expiry, deletions last', () => {
    const ch = channel();
    const renewals: SubscriptionAction[] = records.slice(0, 150).map((r, i) => ({
      kind: 'renew',
      channel: ch,
      current: { etag: 'e', record: { ...r, subscriptionId: `s-${i}`, expiresAt: at((200 - i) * 60_000) } as SubscriptionRecord & { subscriptionId: string } },
      why: 'test',
    }));
    const deletions: SubscriptionAction[] = [{ kind: 'delete', current: stored(), why: 'test' }];
    const establish: SubscriptionAction[] = [{ kind: 'establish', channel: ch, folder: 'Inbox', why: 'test' }];
    const { run, deferred } = paceActions([...deletions, ...renewals, ...establish]);
    assert.equal(run.length, MAX_GRAPH_ACTIONS_PER_RUN);
    assert.equal(deferred, 152 - MAX_GRAPH_ACTIONS_PER_RUN);
    assert.equal(run[0]?.kind, 'establish');
    const expiries = run.slice(1).map((a) => (a.kind === 'renew' ? Date.parse(a.current.record.expiresAt ?? '') : NaN));
    assert.deepEqual(expiries, [...expiries].sort((x, y) => x - y), 'soonest expiry first');
    assert.equal(Math.min(...expiries), Date.parse(at(51 * 60_000)), 'the 99 soonest of 150');
    assert.ok(!run.some((a) => a.kind === 'delete'));
    assert.deepEqual(paceActions(establish), { run: establish, deferred: 0 });
  });
});
