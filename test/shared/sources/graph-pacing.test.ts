import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { freshBudget, GraphPacer, MailboxPaused, pacingConcurrency, pacingRate, pacingRateFromSettings, PacingSettingsSchema, pause, PACING_SHARE, reserve, type Budget, type PacerClock, type PacingRate } from '../../../shared/sources/graph-pacing';

/**
 * The per-mailbox Graph budget, on a fake clock: times here are the clock's, computed by the
 * pure budget or advanced by the test, never measured.
 */
const OUTLOOK = { requestsPerWindow: 10_000, windowMs: 600_000, instances: 1 };

/** Start times of `n` requests all asking at `now`, in order. */
function startsOf(n: number, rate: PacingRate, now = 0, from?: Budget): { starts: number[]; budget: Budget } {
  let budget = from ?? freshBudget(rate, now);
  const starts: number[] = [];
  for (let i = 0; i < n; i++) {
    const r = reserve(budget, rate, now);
    budget = r.budget;
    starts.push(r.startAt);
  }
  return { starts, budget };
}

/** The most start times inside any window of `windowMs` (sorted input). */
function busiestWindow(starts: number[], windowMs: number): number {
  let most = 0;
  let lo = 0;
  for (let hi = 0; hi < starts.length; hi++) {
    while ((starts[hi] ?? 0) - (starts[lo] ?? 0) >= windowMs) lo++;
    most = Math.max(most, hi - lo + 1);
  }
  return most;
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
  it("is sized from Outlook's documented limit: a burst of one request per slot, then an even rate, 98% of 10,000 per 10 minutes in all", () => {
    const rate = pacingRate(OUTLOOK);
    assert.equal(rate.burst, 4);
    assert.equal(rate.burst + rate.perMs * OUTLOOK.windowMs, PACING_SHARE * 10_000);
    assert.deepEqual(pacingRateFromSettings(PacingSettingsSchema.parse({})), rate, 'the app settings default to the documented limit');
  });

  it('divides the limit and the 4 concurrent requests by the instances expected to send to one mailbox at once (at least one each)', () => {
    const one = pacingRate(OUTLOOK);
    const four = pacingRate({ ...OUTLOOK, instances: 4 });
    assert.equal(four.burst + four.perMs * OUTLOOK.windowMs, (one.burst + one.perMs * OUTLOOK.windowMs) / 4);
    assert.deepEqual([1, 2, 3, 4, 40].map(pacingConcurrency), [4, 2, 1, 1, 1]);
  });

  it('30,000 requests asked for at once are spread: no 10-minute window holds more than 98% of the limit, and each window is used to within 1% of that', () => {
    const rate = pacingRate(OUTLOOK);
    const { starts } = startsOf(30_000, rate);
    const allowance = PACING_SHARE * 10_000;
    assert.ok(busiestWindow(starts, OUTLOOK.windowMs) <= allowance, `busiest window ${busiestWindow(starts, OUTLOOK.windowMs)}`);
    for (const w of [1, 2]) {
      const inWindow = starts.filter((s) => s >= w * OUTLOOK.windowMs && s < (w + 1) * OUTLOOK.windowMs).length;
      assert.ok(inWindow >= 0.99 * (allowance - rate.burst), `window ${w}: ${inWindow} requests`);
    }
    assert.deepEqual(starts, [...starts].sort((a, b) => a - b), 'first asked, first served');
  });

  it('the first `burst` requests start at once; the rest one turn apart', () => {
    const rate = pacingRate({ requestsPerWindow: 1000, windowMs: 20_000, instances: 1 });
    const { starts } = startsOf(rate.burst + 5, rate, 1_000);
    assert.equal(starts.filter((s) => s === 1_000).length, rate.burst);
    const later = starts.slice(rate.burst);
    later.forEach((s, i) => assert.equal(Math.round(s - 1_000), Math.round((i + 1) / rate.perMs)));
  });

  it('requests coming slower than the rate never wait', () => {
    const rate = pacingRate(OUTLOOK);
    let budget = freshBudget(rate, 0);
    const turn = 1 / rate.perMs;
    let waited = 0;
    for (let i = 0; i < 1_000; i++) {
      const now = i * turn * 1.01;
      const r = reserve(budget, rate, now);
      budget = r.budget;
      if (r.startAt > now) waited++;
    }
    assert.equal(waited, 0);
  });

  it("a 429's Retry-After: nothing starts before the time it names, then the bucket starts empty (no burst after the pause)", () => {
    const rate = pacingRate(OUTLOOK);
    const paused = pause(freshBudget(rate, 0), rate, 1_000, 30_000);
    const { starts } = startsOf(5, rate, 2_000, paused);
    assert.equal(starts.filter((s) => s < 31_000).length, 0);
    assert.equal(starts.filter((s) => s === 31_000).length, 0, 'no request at the very end of the pause: the bucket refills from there');
    starts.forEach((s, i) => assert.equal(Math.round(s - 31_000), Math.round((i + 1) / rate.perMs)));
  });

  it('a shorter Retry-After never shortens a pause already learnt', () => {
    const rate = pacingRate(OUTLOOK);
    const long = pause(freshBudget(rate, 0), rate, 0, 60_000);
    assert.equal(pause(long, rate, 1_000, 5_000).pausedUntil, 60_000);
  });
});

describe('Graph pacing: the instance pacer', () => {
  const rate: PacingRate = { burst: 2, perMs: 1 / 100 }; // 2 at once, then one per 100 ms

  it("one request's 429 pauses every request of that mailbox in the instance until its Retry-After; then they go one per turn", async () => {
    const clock = new FakeClock();
    const pacer = new GraphPacer(rate, clock);
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
    const pacer = new GraphPacer(rate, clock);
    pacer.throttled('g|a', 60_000);
    const b = await clock.run(Promise.all([0, 1].map(() => pacer.run('g|b', async () => ({ status: 200, at: clock.now() })))));
    assert.deepEqual(b.map((o) => o.at), [0, 0]);
    assert.equal(pacer.snapshot('g|b')?.pausedUntil, 0);
    assert.equal(pacer.snapshot('g|a')?.pausedUntil, 60_000);
  });

  it('a pause longer than the caller may wait refuses at once, sending nothing, and names the rest of the pause', async () => {
    const clock = new FakeClock();
    const pacer = new GraphPacer(rate, clock);
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
    const pacer = new GraphPacer({ burst: 50, perMs: 1 }, clock);
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

  it('forgets the budgets of mailboxes that have gone quiet, so an instance serving 10,000 mailboxes keeps only the busy ones', async () => {
    const clock = new FakeClock();
    const pacer = new GraphPacer(rate, clock);
    const ok = async () => ({ status: 200 });
    pacer.throttled('g|paused', 60_000);
    await clock.run(Promise.all(Array.from({ length: 1023 }, (_, i) => pacer.run(`g|quiet${i}`, ok))));
    clock.t = 1_000; // every quiet bucket is full again
    await clock.run(pacer.run('g|new', ok));
    assert.equal(pacer.snapshot('g|quiet0'), undefined);
    assert.equal(pacer.snapshot('g|quiet1022'), undefined);
    assert.equal(pacer.snapshot('g|paused')?.pausedUntil, 60_000, 'a paused mailbox is remembered');
  });
});
