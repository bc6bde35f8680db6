import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  ended,
  freshBudget,
  GraphPacer,
  MailboxPaused,
  nextStart,
  pacingConcurrency,
  pacingLimit,
  pacingLimitFromSettings,
  PacingSettingsSchema,
  pause,
  PACING_BURST_SHARE,
  PACING_SHARE,
  started,
  type Budget,
  type PacerClock,
  type PacingLimit,
} from '../../../shared/sources/graph-pacing';

/**
 * The per-mailbox Graph budget, on a fake clock: times here are the clock's, computed by the
 * pure budget or advanced by the test, never measured.
 */
const OUTLOOK = { requestsPerWindow: 10_000, windowMs: 600_000, instances: 1 };
const MINUTE = 60_000;

/**
 * One sender working through requests that arrive at `arrivals` (sorted), first come first
 * served, each sent as soon as it has arrived and the budget allows (sending takes no time).
 * Returns the start times and the budget after them.
 */
function drive(limit: PacingLimit, arrivals: readonly number[], from?: Budget): { starts: number[]; budget: Budget } {
  let budget = from ?? freshBudget(limit, arrivals[0] ?? 0);
  const starts: number[] = [];
  let prev = -Infinity;
  for (const arrival of arrivals) {
    const at = nextStart(budget, limit, Math.max(arrival, prev));
    budget = started(budget, limit, at);
    starts.push(at);
    prev = at;
  }
  return { starts, budget };
}

/** Start times of `n` requests all asking at `now`, in order. */
function startsOf(n: number, limit: PacingLimit, now = 0, from?: Budget): { starts: number[]; budget: Budget } {
  return drive(limit, new Array<number>(n).fill(now), from);
}

/** The most start times inside any window of `windowMs` (sorted input). */
function busiestWindow(starts: readonly number[], windowMs: number): number {
  let most = 0;
  let lo = 0;
  for (let hi = 0; hi < starts.length; hi++) {
    while ((starts[hi] ?? 0) - (starts[lo] ?? 0) >= windowMs) lo++;
    most = Math.max(most, hi - lo + 1);
  }
  return most;
}

/** Start times in [from, from + windowMs). */
function inWindow(starts: readonly number[], from: number, windowMs: number): number {
  return starts.filter((s) => s >= from && s < from + windowMs).length;
}

/** A small deterministic PRNG (mulberry32), so a "random" arrival pattern is the same every run. */
function prng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A clock whose time moves only when every waiting task sleeps: `run` advances it to the next timer. */
class FakeClock implements PacerClock {
  t = 0;
  private timers: { at: number; wake: () => void }[] = [];
  now = (): number => this.t;
  sleep = (ms: number): Promise<void> => new Promise((wake) => this.timers.push({ at: this.t + ms, wake }));

  async run<T>(work: Promise<T>): Promise<T> {
    let done = false;
    void work.then(
      () => (done = true),
      () => (done = true),
    );
    for (;;) {
      await new Promise((r) => setImmediate(r));
      if (done) return work;
      this.timers.sort((a, b) => a.at - b.at);
      const next = this.timers.shift();
      if (!next) continue;
      this.t = Math.max(this.t, next.at);
      next.wake();
    }
  }
}

describe('Graph pacing: the per-mailbox budget', () => {
  const limit = pacingLimit(OUTLOOK);
  const turn = OUTLOOK.windowMs / limit.cap;

  it("is sized from Outlook's documented limit: 98% of 10,000 requests in any 10 minutes, running ahead of the even rate by at most a fifth of that", () => {
    assert.equal(limit.cap, 9_800);
    assert.equal(limit.windowMs, OUTLOOK.windowMs);
    assert.equal(limit.burst, Math.floor(PACING_BURST_SHARE * 9_800));
    assert.deepEqual(pacingLimitFromSettings(PacingSettingsSchema.parse({})), limit, 'the app settings default to the documented limit');
  });

  it('divides the limit and the 4 concurrent requests by the instances expected to send to one mailbox at once (at least one each)', () => {
    const four = pacingLimit({ ...OUTLOOK, instances: 4 });
    assert.equal(four.cap, PACING_SHARE * 10_000 / 4);
    assert.ok(four.burst <= four.cap);
    assert.equal(pacingLimit({ requestsPerWindow: 1, windowMs: 1_000, instances: 100 }).cap, 1);
    assert.deepEqual([1, 2, 3, 4, 40].map(pacingConcurrency), [4, 2, 1, 1, 1]);
  });

  it('30,000 requests asked for at once: no 10-minute window holds more than the cap, and every 10 minutes from the first request spend it whole', () => {
    const { starts } = startsOf(30_000, limit);
    assert.ok(busiestWindow(starts, OUTLOOK.windowMs) <= limit.cap, `busiest window ${busiestWindow(starts, OUTLOOK.windowMs)}`);
    for (const w of [0, 1, 2]) assert.equal(inWindow(starts, w * OUTLOOK.windowMs, OUTLOOK.windowMs), limit.cap, `window ${w}`);
    assert.deepEqual(starts, [...starts].sort((a, b) => a - b), 'first asked, first served');
  });

  it('after 5 idle minutes, a burst of `burst` requests goes without waiting, though the window still holds the requests before the pause', () => {
    // 5 minutes at the even rate, then 5 quiet minutes
    const steady = Array.from({ length: Math.floor((5 * MINUTE) / turn) }, (_, i) => i * turn);
    const before = drive(limit, steady);
    const now = 10 * MINUTE;
    const { starts } = startsOf(limit.burst + 1, limit, now, before.budget);
    assert.equal(starts.filter((s) => s === now).length, limit.burst);
    assert.ok((starts[limit.burst] ?? 0) > now, 'the next one waits for its turn');
  });

  it('a sender that stops for a minute at a time (a listing phase, a slow spell) still spends the whole cap in every 10 minutes: what it left unused goes after', () => {
    // asks as fast as allowed for a minute, then asks nothing for a minute, for 30 minutes
    const arrivals: number[] = [];
    let prev = -Infinity;
    let budget = freshBudget(limit, 0);
    for (let t = 0; t < 30 * MINUTE; ) {
      const at = nextStart(budget, limit, Math.max(t, prev));
      if (Math.floor(at / MINUTE) % 2 === 1) {
        t = (Math.floor(at / MINUTE) + 1) * MINUTE; // the quiet minute: ask again after it
        continue;
      }
      budget = started(budget, limit, at);
      arrivals.push(at);
      prev = at;
      t = at;
    }
    for (const w of [1, 2]) assert.ok(inWindow(arrivals, w * OUTLOOK.windowMs, OUTLOOK.windowMs) >= limit.cap - 1, `window ${w}: ${inWindow(arrivals, w * OUTLOOK.windowMs, OUTLOOK.windowMs)} of ${limit.cap}`);
    assert.ok(busiestWindow(arrivals, OUTLOOK.windowMs) <= limit.cap);
  });

  it('whatever the arrival pattern (bursts, lulls, trickles), no 10-minute window ever holds more than the cap', () => {
    const random = prng(9);
    const arrivals: number[] = [];
    let t = 0;
    while (arrivals.length < 60_000) {
      const burst = Math.floor(random() * 3_000);
      for (let i = 0; i < burst; i++) arrivals.push(t + random() * 1_000);
      t += random() < 0.3 ? random() * 8 * MINUTE : random() * 10_000;
    }
    arrivals.sort((a, b) => a - b);
    const { starts } = drive(limit, arrivals);
    assert.ok(busiestWindow(starts, OUTLOOK.windowMs) <= limit.cap, `busiest window ${busiestWindow(starts, OUTLOOK.windowMs)}`);
    starts.forEach((s, i) => assert.ok(s >= (arrivals[i] ?? 0), 'no request before it was asked for'));
  });

  it('the window keeps only the starts of the last window, however long the mailbox has been busy', () => {
    const { budget, starts } = startsOf(30_000, limit);
    const last = starts[starts.length - 1] ?? 0;
    assert.ok(budget.starts.length <= limit.cap);
    assert.ok(budget.starts.every((s) => s > last - OUTLOOK.windowMs));
  });

  it('requests coming slower than the rate never wait', () => {
    let budget = freshBudget(limit, 0);
    let waited = 0;
    for (let i = 0; i < 20_000; i++) {
      const now = i * turn * 1.01;
      const at = nextStart(budget, limit, now);
      budget = started(budget, limit, at);
      if (at > now) waited++;
    }
    assert.equal(waited, 0);
  });

  it("a 429's Retry-After: nothing starts before the time it names, then the bucket starts empty (one per turn, no burst after the pause)", () => {
    const paused = pause(freshBudget(limit, 0), 1_000, 30_000);
    const { starts } = startsOf(5, limit, 2_000, paused);
    assert.equal(starts.filter((s) => s <= 31_000).length, 0, 'none before the end of the pause, nor at its very end: the bucket refills from there');
    starts.forEach((s, i) => assert.equal(Math.round(s - 31_000), Math.round((i + 1) * turn)));
  });

  it('a request counts in the window from its end once it has ended, so the next turn it frees comes a whole window after Graph can have received it', () => {
    const small: PacingLimit = { cap: 2, windowMs: 1_000, burst: 2 };
    let b = started(started(freshBudget(small, 0), small, 0), small, 10);
    b = ended(b, 0, 300); // the first took 300 ms: Graph got it somewhere in [0, 300]
    assert.deepEqual(b.starts, [10, 300]);
    assert.equal(nextStart(b, small, 400), 1_011, 'the one still counted from its start leaves first');
    b = ended(b, 10, 20);
    assert.equal(nextStart(b, small, 400), 1_021);
    b = started(b, small, 1_021);
    assert.equal(nextStart(b, small, 1_021), 1_301, 'then the first, a window after its end');
  });

  it('a shorter Retry-After never shortens a pause already learnt', () => {
    const long = pause(freshBudget(limit, 0), 0, 60_000);
    assert.equal(pause(long, 1_000, 5_000).pausedUntil, 60_000);
  });
});

describe('Graph pacing: the instance pacer', () => {
  const limit: PacingLimit = { cap: 50, windowMs: 5_000, burst: 2 }; // 2 at once, then one per 100 ms, 50 in any 5 s

  it("one request's 429 pauses every request of that mailbox in the instance until its Retry-After; then they go one per turn", async () => {
    const clock = new FakeClock();
    const pacer = new GraphPacer(limit, clock);
    const sent: { i: number; at: number }[] = [];
    let first = true;
    const attempt = (i: number) => async () => {
      sent.push({ i, at: clock.now() });
      if (first) {
        first = false;
        return { status: 429, retryAfterMs: 5_000 };
      }
      await clock.sleep(10);
      return { status: 200 };
    };
    const outcomes = await clock.run(Promise.all(Array.from({ length: 8 }, (_, i) => pacer.run('g|a', attempt(i)))));
    assert.deepEqual(outcomes.map((o) => o.status), [429, 200, 200, 200, 200, 200, 200, 200]);
    const beforeResume = sent.filter((s) => s.at < 5_000);
    assert.equal(beforeResume.length, 2, 'only the burst, sent before the 429 was known, went before the pause ended');
    const after = sent.filter((s) => s.at >= 5_000).map((s) => s.at);
    assert.equal(after.length, 6);
    assert.equal(new Set(after).size, 6, 'after the pause, one request per turn, no burst');
  });

  it('two mailboxes are independent: a pause of one does not hold up the other', async () => {
    const clock = new FakeClock();
    const pacer = new GraphPacer(limit, clock);
    pacer.throttled('g|a', 60_000);
    const b = await clock.run(Promise.all([0, 1].map(() => pacer.run('g|b', async () => ({ status: 200, at: clock.now() })))));
    assert.deepEqual(b.map((o) => o.at), [0, 0]);
    assert.equal(pacer.snapshot('g|b')?.pausedUntil, 0);
    assert.equal(pacer.snapshot('g|a')?.pausedUntil, 60_000);
  });

  it('a pause longer than the caller may wait refuses at once, sending nothing, and names the rest of the pause', async () => {
    const clock = new FakeClock();
    const pacer = new GraphPacer(limit, clock);
    pacer.throttled('g|a', 90_000);
    clock.t = 30_000;
    let sent = 0;
    await assert.rejects(
      clock.run(pacer.run('g|a', async () => ({ status: 200, n: ++sent }), 10_000)),
      (err: unknown) => err instanceof MailboxPaused && err.retryAfterMs === 60_000,
    );
    assert.equal(sent, 0);
  });

  it('never has more than 4 requests of one mailbox in flight, however large the burst', async () => {
    const clock = new FakeClock();
    const pacer = new GraphPacer({ cap: 50, windowMs: 50, burst: 50 }, clock);
    let running = 0;
    let peak = 0;
    await clock.run(
      Promise.all(
        Array.from({ length: 20 }, () =>
          pacer.run('g|a', async () => {
            running++;
            peak = Math.max(peak, running);
            await clock.sleep(20);
            running--;
            return { status: 200 };
          }),
        ),
      ),
    );
    assert.equal(peak, 4);
  });

  it('counts a request in the window from when it went out, not from when it asked: one that waited for a slot does not let the next turns come early', async () => {
    const clock = new FakeClock();
    const pacer = new GraphPacer({ cap: 2, windowMs: 1_000, burst: 2 }, clock, 1);
    const sent: number[] = [];
    const latencies = [500, 10, 10, 10, 10, 10];
    await clock.run(
      Promise.all(
        latencies.map((ms) =>
          pacer.run('g|a', async () => {
            sent.push(clock.now());
            await clock.sleep(ms);
            return { status: 200 };
          }),
        ),
      ),
    );
    assert.equal(sent.length, latencies.length);
    assert.ok(busiestWindow(sent, 1_000) <= 2, `sent at ${sent.join(', ')}`);
  });

  it('counts a sent request until its answer came, then from the answer: the next turn it frees is a window after the answer', async () => {
    const clock = new FakeClock();
    const pacer = new GraphPacer({ cap: 1, windowMs: 1_000, burst: 1 }, clock);
    const sent: number[] = [];
    const slow = async () => {
      sent.push(clock.now());
      await clock.sleep(300);
      return { status: 200 };
    };
    await clock.run(Promise.all([pacer.run('g|a', slow), pacer.run('g|a', slow)]));
    assert.deepEqual(sent, [0, 1_301]);
  });

  it('a full window is waited out, not refused, however little the caller may wait for a pause', async () => {
    const clock = new FakeClock();
    const pacer = new GraphPacer({ cap: 2, windowMs: 1_000, burst: 2 }, clock);
    const sent: number[] = [];
    await clock.run(Promise.all(Array.from({ length: 3 }, () => pacer.run('g|a', async () => ({ status: 200, at: sent.push(clock.now()) }), 0))));
    assert.deepEqual(sent, [0, 0, 1_001]);
  });

  it('forgets the budgets of mailboxes that have gone quiet, so an instance serving 10,000 mailboxes keeps only the busy ones', async () => {
    const clock = new FakeClock();
    const pacer = new GraphPacer(limit, clock);
    const ok = async () => ({ status: 200 });
    pacer.throttled('g|paused', 60_000);
    await clock.run(Promise.all(Array.from({ length: 1023 }, (_, i) => pacer.run(`g|quiet${i}`, ok))));
    clock.t = 10_000; // every quiet mailbox's window is empty and its bucket full again
    await clock.run(pacer.run('g|new', ok));
    assert.equal(pacer.snapshot('g|quiet0'), undefined);
    assert.equal(pacer.snapshot('g|quiet1022'), undefined);
    assert.equal(pacer.snapshot('g|paused')?.pausedUntil, 60_000, 'a paused mailbox is remembered');
  });
});
