import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { ChannelRecord } from '../../../shared/config/channel';
import type { MailboxSyncMessage } from '../../../shared/queue/contracts';
import {
  PAGE_SIZE, PUSH_SAFETY_INTERVAL_SECONDS, SLACK_MS, planScheduleChanges, scheduleSync, syncIntervalSeconds, type ScheduleDeps,
} from '../../../shared/pipeline/schedule-sync';
import { createChannelRecord, readChannelRecord, replaceChannelRecord } from '../../../shared/store/channel-repository';
import { SCHEDULE_PARTITION, cosmosSyncScheduleStore, type ScheduleEntry } from '../../../shared/store/sync-schedule';
import { CHANGE_OVERLAP_SECONDS, FULL_PASS_EVERY_MS, changeWindow, channelsChangedSince } from '../../../shared/store/channel-changes';
import { channelRecord } from '../../support/fixtures';
import { container } from '../../../shared/store/cosmos';
import { useEmulatorEnv, type EmulatorEnv } from '../store/emulator-env';

const T0 = new Date('2026-12-01T10:00:00.000Z');
const at = (ms: number) => new Date(T0.getTime() + ms);
const MIN = 60_000;

const imap = (id: string, pollIntervalSeconds = 60, status: ChannelRecord['status'] = 'published'): ChannelRecord => {
  const base = channelRecord({ id, status });
  return { ...base, connection: { ...base.connection, pollIntervalSeconds } };
};
const graph = (id: string, pollIntervalSeconds = 60): ChannelRecord => {
  const base = imap(id, pollIntervalSeconds);
  return { ...base, connection: { ...base.connection, protocol: 'graph' } };
};
const entry = (channelId: string, over: Partial<ScheduleEntry> = {}): ScheduleEntry => ({
  id: channelId,
  channelId: SCHEDULE_PARTITION,
  kind: 'syncSchedule',
  forChannel: channelId,
  intervalSeconds: 60,
  dueAt: T0.toISOString(),
  updatedAt: T0.toISOString(),
  ...over,
});

describe('the schedule entries follow the channels (pure)', () => {
  const opts = { now: T0, pushEnabled: false, full: false };

  test('a newly published channel gets an entry due at once', () => {
    const { put, remove } = planScheduleChanges([imap('a')], new Map(), opts);
    assert.deepEqual(remove, []);
    assert.equal(put.length, 1);
    assert.equal(put[0]?.dueAt, T0.toISOString());
    assert.equal(put[0]?.intervalSeconds, 60);
  });

  test('a paused or draft channel has no entry, so it is never due', () => {
    const entries = new Map([['p', entry('p')], ['d', entry('d')]]);
    const { put, remove } = planScheduleChanges([imap('p', 60, 'paused'), imap('d', 60, 'draft')], entries, opts);
    assert.deepEqual(put, []);
    assert.deepEqual(remove.sort(), ['d', 'p']);
  });

  test('an unchanged channel costs no write', () => {
    assert.deepEqual(planScheduleChanges([imap('a')], new Map([['a', entry('a', { dueAt: at(30_000).toISOString() })]]), opts), { put: [], remove: [] });
  });

  test('a shorter interval brings the due time forward to the new interval after the last request, never later', () => {
    const last = at(-2 * MIN).toISOString();
    const current = entry('a', { intervalSeconds: 3600, lastRequestedAt: last, dueAt: at(58 * MIN).toISOString() });
    const { put } = planScheduleChanges([imap('a', 60)], new Map([['a', current]]), opts);
    assert.equal(put[0]?.dueAt, new Date(Date.parse(last) + MIN - SLACK_MS).toISOString());
    assert.equal(put[0]?.lastRequestedAt, last, 'the last request is kept');
    const longer = planScheduleChanges([imap('a', 3600)], new Map([['a', entry('a', { dueAt: at(10_000).toISOString(), lastRequestedAt: at(-50_000).toISOString() })]]), opts);
    assert.equal(longer.put[0]?.dueAt, at(10_000).toISOString(), 'a longer interval does not push a due time out');
  });

  test('with notifications on, a Graph channel is polled only as a safety net; an IMAP channel as configured', () => {
    assert.equal(syncIntervalSeconds(graph('g'), true), PUSH_SAFETY_INTERVAL_SECONDS);
    assert.equal(syncIntervalSeconds(graph('g'), false), 60);
    assert.equal(syncIntervalSeconds(imap('i'), true), 60);
    assert.equal(syncIntervalSeconds(graph('g', 86_400), true), 86_400);
  });

  test('the full pass removes the entries of deleted channels; a change pass does not (it sees only changed channels)', () => {
    const entries = new Map([['gone', entry('gone')], ['a', entry('a')]]);
    assert.deepEqual(planScheduleChanges([imap('a')], entries, { ...opts, full: true }).remove, ['gone']);
    assert.deepEqual(planScheduleChanges([imap('a')], entries, opts).remove, []);
  });

  test('the full pass runs on the first run and then once an hour; between, only channels changed since the cursor are read', () => {
    assert.deepEqual(changeWindow(undefined, T0), { since: undefined, full: true });
    const saved = { cursor: { fullAt: T0.toISOString(), updatedAt: T0.toISOString() }, savedAtTs: 1_000_000 };
    assert.deepEqual(changeWindow(saved, at(FULL_PASS_EVERY_MS - 1)), { since: 1_000_000 - CHANGE_OVERLAP_SECONDS, full: false });
    assert.deepEqual(changeWindow(saved, at(FULL_PASS_EVERY_MS)), { since: undefined, full: true });
    assert.deepEqual(changeWindow(saved, at(-1000)), { since: undefined, full: true }, 'a full pass in the future (a clock went back) is not trusted');
  });
});

describe('scheduleSync on the Cosmos emulator', () => {
  let env: EmulatorEnv;
  before(async () => {
    env = await useEmulatorEnv();
  });
  after(async () => {
    await env.stop();
  });

  /** Each test uses a fresh set of channels, and times after the real clock so `_ts` windows hold. */
  function world() {
    const sent: MailboxSyncMessage[] = [];
    let failNext = 0;
    const deps = (now: Date, changeOverlapSeconds?: number): ScheduleDeps => ({
      ...(changeOverlapSeconds === undefined ? {} : { changeOverlapSeconds }),
      store: cosmosSyncScheduleStore(),
      channelsChangedSince,
      enqueueSync: async (m) => {
        if (failNext > 0) {
          failNext--;
          throw new Error('queue unavailable');
        }
        sent.push(m);
      },
      pushEnabled: false,
      now: () => now,
    });
    return { sent, deps, failOnce: (n = 1) => void (failNext = n) };
  }
  const ids = (n: number, prefix: string) => Array.from({ length: n }, (_, i) => `${prefix}-${i}-${randomUUID()}`);
  const sentFor = (sent: MailboxSyncMessage[], channelId: string) => sent.filter((m) => m.channelId === channelId).length;

  test('a published channel becomes due, is enqueued once per due time, and again when its interval has passed', async () => {
    const { sent, deps } = world();
    const [id] = ids(1, 'due') as [string];
    await createChannelRecord(imap(id));
    const t = Date.now();
    await scheduleSync(deps(new Date(t)));
    assert.equal(sentFor(sent, id), 1, 'new channel: synced at once');
    await scheduleSync(deps(new Date(t + 30_000)));
    assert.equal(sentFor(sent, id), 1, 'not due within its interval');
    await scheduleSync(deps(new Date(t + MIN)));
    assert.equal(sentFor(sent, id), 2, 'due after its interval');
    assert.deepEqual(sent.at(-1), { channelId: id, reason: 'schedule', fullResync: false, requestedAt: new Date(t + MIN).toISOString() });
  });

  test('two scheduler runs overlapping enqueue each due channel exactly once', async () => {
    const { sent, deps } = world();
    const channelIds = ids(40, 'overlap');
    for (const id of channelIds) await createChannelRecord(imap(id));
    const t = Date.now();
    await scheduleSync(deps(new Date(t))); // the entries exist and were synced once
    sent.length = 0;
    const later = new Date(t + 2 * MIN);
    const [a, b] = await Promise.all([scheduleSync(deps(later)), scheduleSync(deps(later))]);
    for (const id of channelIds) assert.equal(sentFor(sent, id), 1, `channel ${id} enqueued once`);
    const ours = (r: typeof a) => r.enqueued.filter((id) => channelIds.includes(id)).length;
    assert.equal(ours(a) + ours(b), channelIds.length, 'the two runs split the work');
  });

  test('a paused channel is not due, and its entry is gone; published again, it is due at once', async () => {
    const { sent, deps } = world();
    const [id] = ids(1, 'paused') as [string];
    await createChannelRecord(imap(id));
    const t = Date.now();
    await scheduleSync(deps(new Date(t)));
    const current = await readChannelRecord(id);
    assert.ok(current);
    const paused = await replaceChannelRecord({ ...current.record, status: 'paused' }, current.etag);
    await scheduleSync(deps(new Date(t + 2 * MIN)));
    assert.equal(sentFor(sent, id), 1, 'no sync while paused');
    assert.deepEqual(await cosmosSyncScheduleStore().readMany([id]), [], 'no entry while paused');
    await replaceChannelRecord({ ...paused.record, status: 'published' }, paused.etag);
    await scheduleSync(deps(new Date(t + 2 * MIN + 1000)));
    assert.equal(sentFor(sent, id), 2, 'due at once when published again');
  });

  test('a run reads only the entries due, not every channel: 120 channels, 20 due, 20 entries read and no channel', async () => {
    const { sent, deps } = world();
    const fast = ids(20, 'fast');
    const slow = ids(100, 'slow');
    for (const id of fast) await createChannelRecord(imap(id, 60));
    for (const id of slow) await createChannelRecord(imap(id, 3600));
    const t = Date.now();
    await scheduleSync(deps(new Date(t)));
    sent.length = 0;
    // The channels' writes lie before the cursor's save; without the minute of overlap (and
    // a second later, as `_ts` counts whole seconds) no channel is read again.
    await new Promise((r) => setTimeout(r, 1_100));
    await scheduleSync(deps(new Date(t + MIN / 2), 0));
    await new Promise((r) => setTimeout(r, 1_100));
    const report = await scheduleSync(deps(new Date(t + 3 * MIN), 0));
    const ours = report.enqueued.filter((id) => fast.includes(id) || slow.includes(id));
    assert.deepEqual(ours.sort(), [...fast].sort(), 'exactly the fast channels are due');
    assert.equal(report.channelsRead, 0, 'no channel read');
    assert.equal(report.full, false);
    assert.equal(report.put + report.removed, 0, 'no entry written but the claims');
    // Entries of other tests' channels may be due too; every one read was enqueued or contended.
    assert.equal(report.dueRead, report.enqueued.length + report.contended + report.failed.length);
    assert.ok(report.dueRead < PAGE_SIZE && report.pages === 1, 'one query');
  });

  test('a sync that could not be enqueued is due again at the next run, and does not stop the others', async () => {
    const { sent, deps, failOnce } = world();
    const channelIds = ids(3, 'enqueue-fails');
    for (const id of channelIds) await createChannelRecord(imap(id));
    const t = Date.now();
    await scheduleSync(deps(new Date(t)));
    sent.length = 0;
    failOnce();
    const report = await scheduleSync(deps(new Date(t + 3 * MIN)));
    assert.equal(report.failed.length, 1);
    const failedId = report.failed[0]?.channelId ?? '';
    assert.equal(channelIds.filter((id) => sentFor(sent, id) === 1).length, channelIds.length - 1, 'the others were enqueued');
    await scheduleSync(deps(new Date(t + 3 * MIN + 1000)));
    assert.equal(sentFor(sent, failedId), 1, 'retried by the next run');
  });
});

describe('the upgrade that moved the due-time entries from syncState to syncSchedule', () => {
  let env: EmulatorEnv;
  before(async () => {
    env = await useEmulatorEnv();
  });
  after(async () => {
    await env.stop();
  });

  test('the first run after it gives every published channel an entry due at once; the old entries left in syncState change nothing', async () => {
    const channelIds = Array.from({ length: 3 }, (_, i) => `upgrade-${i}-${randomUUID()}`);
    for (const id of channelIds) await createChannelRecord(imap(id));
    await createChannelRecord(imap(`paused-${randomUUID()}`, 60, 'paused'));
    // What the old code left: entries in syncState's `~sync-schedule` partition, one just
    // claimed (not due for an hour), and its cursor.
    const syncState = await container('syncState');
    const t = Date.now();
    for (const id of channelIds) {
      await syncState.items.create(entry(id, { dueAt: new Date(t + 60 * MIN).toISOString(), lastRequestedAt: new Date(t).toISOString(), intervalSeconds: 3600 }));
    }
    await syncState.items.create({ id: '~cursor', channelId: SCHEDULE_PARTITION, kind: 'syncScheduleCursor', fullAt: new Date(t).toISOString(), updatedAt: new Date(t).toISOString() });
    const sent: MailboxSyncMessage[] = [];
    const report = await scheduleSync({ store: cosmosSyncScheduleStore(), channelsChangedSince, enqueueSync: async (m) => void sent.push(m), pushEnabled: false, now: () => new Date(t) });
    assert.equal(report.full, true, 'no cursor in the new container: a full pass');
    assert.deepEqual(sent.map((m) => m.channelId).sort(), [...channelIds].sort(), 'each published channel synced once, at once');
    const entries = await cosmosSyncScheduleStore().listAll();
    assert.deepEqual(entries.map((e) => e.forChannel).sort(), [...channelIds].sort());
    assert.ok(entries.every((e) => e.intervalSeconds === 60 && e.lastRequestedAt === new Date(t).toISOString()));
    const old = await syncState.items.query({ query: 'SELECT VALUE COUNT(1) FROM c WHERE c.channelId = @p', parameters: [{ name: '@p', value: SCHEDULE_PARTITION }] }).fetchAll();
    assert.deepEqual(old.resources, [channelIds.length + 1], 'the old entries and cursor are left as they were');
  });
});
