import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createGraphMailSource } from '../../../shared/sources/graph';
import { clearFolderCache } from '../../../shared/sources/graph-folders';
import { limiterSnapshot } from '../../../shared/sources/graph-limiter';
import { PermanentError, TransientError } from '../../../shared/errors';
import type { SourceRef } from '../../../shared/queue/contracts';
import { freePort } from '../../../devhost/ports';
import { startGraphSimulator, type GraphSimulator, type RecordedRequest } from '../../../devhost/graph-simulator';
import { simulatorChannel, testMail } from '../../../devhost/graph-simulator/channel';

/**
 * Graph's throttling and failures, against the simulator's Outlook limits. Timing is judged
 * from the simulator's own request log (same process, monotonic clock), never by timing the
 * test itself.
 */
let n = 0;

/**
 * libuv timers run against the loop's cached clock, which can lag real time by a few ms, so a
 * wait of S seconds can look a hair shorter than S·1000 ms to another clock.
 */
const TIMER_SLACK_MS = 25;

describe('Graph source under throttling and failures', () => {
  let sim: GraphSimulator;
  let mb: string;

  before(async () => {
    sim = await startGraphSimulator({ latencyMs: 25 });
  });
  after(async () => {
    await sim.stop();
  });
  beforeEach(() => {
    mb = `throttle${++n}@contoso.example`;
    sim.addMailbox(mb);
    clearFolderCache();
  });

  const open = (opts: Parameters<typeof simulatorChannel>[1] = {}, extra: { maxInProcessWaitMs?: number } = {}) => {
    const { channel, deps } = simulatorChannel(sim, { mailbox: mb, id: `ch-${n}`, ...opts });
    return createGraphMailSource(channel, { ...deps, ...extra });
  };
  const valueRequests = (id: string): RecordedRequest[] => sim.requests.filter((r) => r.endpoint === 'messages.value' && r.url.includes(id));

  it("a 429 is retried only after the server's Retry-After has passed, and then succeeds", async () => {
    const id = await sim.deliver(mb, 'inbox', testMail());
    sim.injectFaults(1, { status: 429, retryAfterSeconds: 1, endpoint: 'messages.value' });
    const raw = await open().fetchRaw({ protocol: 'graph', folder: 'inbox', messageId: id });
    assert.ok(raw.equals(sim.rawMessage(mb, id) ?? Buffer.alloc(0)));
    const [throttled, retry] = valueRequests(id);
    assert.equal(throttled?.status, 429);
    assert.equal(throttled?.retryAfterSeconds, 1);
    assert.equal(retry?.status, 200);
    assert.equal(retry?.retryAttempt, 1);
    const waitedMs = (retry?.startedAt ?? 0) - (throttled?.finishedAt ?? 0);
    assert.ok(waitedMs >= 1000 - TIMER_SLACK_MS, `retried ${waitedMs.toFixed(1)} ms after the 429 that asked for 1 s`);
  });

  it('a 503 is retried as well', async () => {
    const id = await sim.deliver(mb, 'inbox', testMail());
    sim.injectFaults(1, { status: 503, retryAfterSeconds: 1, endpoint: 'messages.value' });
    await open().fetchRaw({ protocol: 'graph', folder: 'inbox', messageId: id });
    assert.deepEqual(valueRequests(id).map((r) => r.status), [503, 200]);
  });

  it("throttling beyond the channel's retryCount fails as a TransientError carrying the server's Retry-After", async () => {
    const id = await sim.deliver(mb, 'inbox', testMail());
    sim.injectFaults(2, { status: 429, retryAfterSeconds: 1, endpoint: 'messages.value' });
    await assert.rejects(open({ retryCount: 1 }).fetchRaw({ protocol: 'graph', folder: 'inbox', messageId: id }), (err: unknown) => {
      assert.ok(err instanceof TransientError);
      assert.equal(err.code, 'GRAPH_THROTTLED');
      assert.equal(err.retryAfterMs, 1000);
      return true;
    });
    assert.deepEqual(valueRequests(id).map((r) => r.status), [429, 429], 'one try and exactly one retry');
  });

  it('a Retry-After longer than the source may wait is handed to the queue instead of waited out', async () => {
    const id = await sim.deliver(mb, 'inbox', testMail());
    sim.injectFaults(1, { status: 429, retryAfterSeconds: 120, endpoint: 'messages.value' });
    await assert.rejects(open({}, { maxInProcessWaitMs: 5_000 }).fetchRaw({ protocol: 'graph', folder: 'inbox', messageId: id }), (err: unknown) => {
      assert.ok(err instanceof TransientError);
      assert.equal(err.retryAfterMs, 120_000);
      return true;
    });
    assert.equal(valueRequests(id).length, 1);
  });

  it("a 429 pauses the whole mailbox: the next request, while the pause is longer than the source may wait, is refused without being sent and names the pause's rest", async () => {
    const first = await sim.deliver(mb, 'inbox', testMail({ subject: 'first' }));
    const second = await sim.deliver(mb, 'inbox', testMail({ subject: 'second' }));
    sim.injectFaults(1, { status: 429, retryAfterSeconds: 120, endpoint: 'messages.value' });
    const source = open({}, { maxInProcessWaitMs: 5_000 });
    await assert.rejects(source.fetchRaw({ protocol: 'graph', folder: 'inbox', messageId: first }), TransientError);
    await assert.rejects(source.fetchRaw({ protocol: 'graph', folder: 'inbox', messageId: second }), (err: unknown) => {
      assert.ok(err instanceof TransientError);
      assert.equal(err.code, 'GRAPH_THROTTLED');
      assert.ok(err.retryAfterMs !== undefined && err.retryAfterMs > 60_000 && err.retryAfterMs <= 120_000, `retryAfterMs ${err.retryAfterMs}`);
      return true;
    });
    assert.equal(valueRequests(second).length, 0, 'not sent to Graph');
  });

  it('20 parallel fetches never put more than 4 requests at once on the mailbox, and none is throttled', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 20; i++) ids.push(await sim.deliver(mb, 'inbox', testMail({ subject: `parallel ${i}` })));
    // Two source instances (as two queue invocations in one worker) share the process-wide limit.
    const a = open();
    const b = open();
    await a.listNew('Inbox', undefined); // token and folder id first, so only the fetches overlap
    await b.listNew('Inbox', undefined);
    sim.resetCounters();
    const refs: SourceRef[] = ids.map((messageId) => ({ protocol: 'graph', folder: 'inbox', messageId }));
    const raws = await Promise.all(refs.map((ref, i) => (i % 2 === 0 ? a : b).fetchRaw(ref)));
    assert.equal(raws.length, 20);
    const stats = sim.stats();
    assert.equal(stats.perEndpoint['messages.value'], 20);
    assert.equal(stats.throttled429, 0);
    assert.equal(stats.maxConcurrency[mb], 4, 'the limit is used, never exceeded');
    assert.deepEqual(limiterSnapshot().filter((s) => s.key.endsWith(mb)), [], 'every slot released');
  });

  it('a Graph host that refuses connections is a transient network error', async () => {
    const port = await freePort();
    const { channel, deps } = simulatorChannel(sim, { mailbox: mb, retryCount: 0 });
    const broken = { ...channel, connection: { ...channel.connection, port } } as typeof channel;
    await assert.rejects(createGraphMailSource(broken, deps).listNew('Inbox', undefined), (err: unknown) => err instanceof TransientError && err.code === 'GRAPH_NETWORK');
  });

  it('a Graph host or token endpoint the address policy refuses gets neither the client secret nor a token: permanent CONNECT_TARGET_REFUSED', async () => {
    const { channel, deps } = simulatorChannel(sim, { mailbox: mb, retryCount: 0 });
    const before = sim.stats();
    const strict = { ...deps, targetPolicy: { allowPrivate: false } };
    await assert.rejects(createGraphMailSource(channel, strict).listNew('Inbox', undefined), (err: unknown) => err instanceof PermanentError && err.code === 'CONNECT_TARGET_REFUSED');
    const viaName = { ...channel, connection: { ...channel.connection, host: 'localhost' } } as typeof channel;
    await assert.rejects(createGraphMailSource(viaName, strict).listNew('Inbox', undefined), (err: unknown) => err instanceof PermanentError && err.code === 'CONNECT_TARGET_REFUSED');
    assert.equal(sim.stats().tokenRequests, before.tokenRequests);
  });

  it('a Graph call slower than the channel timeout is the same transient network error as a refusal (ports cannot be told apart)', async () => {
    const slow = await startGraphSimulator({ mailboxes: [mb], latencyMs: 1_500 });
    try {
      const { channel, deps } = simulatorChannel(slow, { mailbox: mb, timeoutMs: 1_000, retryCount: 0 });
      await assert.rejects(createGraphMailSource(channel, deps).listNew('Inbox', undefined), (err: unknown) => err instanceof TransientError && err.code === 'GRAPH_NETWORK' && /could not connect to Graph$/.test(err.message));
    } finally {
      await slow.stop();
    }
  });
});
