import type { z } from 'zod';
import { SettingsSchema } from '../config/settings';
import type { RequestGate } from '../auth/graph-client';
import { GRAPH_MAILBOX_CONCURRENCY, withMailboxSlot } from './graph-limiter';

/**
 * Paces Graph requests per mailbox so they spend Outlook's allowance fully without running
 * into it. Outlook allows an app 10,000 requests per mailbox in a 10-minute period and 4 at
 * once (https://learn.microsoft.com/en-us/graph/throttling-limits#outlook-service-limits);
 * over either it answers 429 with `Retry-After`.
 *
 * Per mailbox and instance the pacer keeps the requests it sent in the last window and lets
 * a request start only while fewer than `cap` (98 % of the limit) are in it: no window of
 * the limit's length, wherever Graph puts its start, ever holds more than the cap — the
 * reading of "10,000 in a 10-minute period" that is safe whether Graph counts in sliding or
 * fixed windows or refills a bucket of that size. A request counts from when it was sent
 * until it has ended, then from its end (Graph received it in between, so its window never
 * sees more than ours did, whatever the delay on the way or the offset between the clocks).
 * A backlog that comes after a quiet spell, or a consumer that falls behind for a while,
 * spends what the window still allows instead of giving it up (an evenly spending token
 * bucket cannot save the allowance its consumer did not use). The 2 % margin is for what
 * we cannot see: Graph's clock running at another rate, a request Graph counts that we do not.
 *
 * Besides the window, a token bucket of `burst` requests refilled at cap per window bounds
 * how far ahead of the even rate the mailbox may run, so that no request waits for the window
 * longer than `burst` turns; and a 429 teaches the budget: the mailbox's requests in this
 * instance all wait until the time its Retry-After names (not just the request that got it),
 * and the bucket is emptied, so they resume at the even rate, one per turn, not in a burst.
 *
 * Across instances the budget is per instance, bounded two ways: `GRAPH_PACING_INSTANCES`
 * divides the limit and the 4 concurrent requests by the number of instances expected to
 * send to one mailbox at the same time, and when more do, Graph's 429s pause each of them
 * (a few 429s per instance per pause, instead of one per request).
 */

/** The share of the documented limit the budget spends; the rest absorbs clock differences. */
export const PACING_SHARE = 0.98;

/**
 * How far a mailbox may run ahead of the even rate, as a share of the cap: a fifth of a
 * window (2 minutes of Outlook's allowance). A drain recovers what a listing phase or a slow
 * spell of up to that long left unused, and no request waits for the window longer than that
 * (the whole window would let a backlog spend it all in the first minutes and then hold
 * every call for the rest, close to the Functions' 10-minute timeout).
 */
export const PACING_BURST_SHARE = 0.2;

/** The app settings this module reads (read alone: the rest of the settings need not be valid here). */
export const PacingSettingsSchema = SettingsSchema.pick({ GRAPH_MAILBOX_REQUESTS_PER_WINDOW: true, GRAPH_MAILBOX_WINDOW_SECONDS: true, GRAPH_PACING_INSTANCES: true });
export type PacingSettings = z.infer<typeof PacingSettingsSchema>;

export interface PacingLimit {
  /** Requests one instance may start for a mailbox in any window of `windowMs`. */
  cap: number;
  windowMs: number;
  /** Requests the mailbox may run ahead of the even rate (cap per window); at most `cap`. */
  burst: number;
}

/** The budget for a limit of `requestsPerWindow` per `windowMs`, shared by `instances`. */
export function pacingLimit(limit: { requestsPerWindow: number; windowMs: number; instances: number }): PacingLimit {
  const cap = Math.max(1, Math.floor((PACING_SHARE * limit.requestsPerWindow) / limit.instances));
  return { cap, windowMs: limit.windowMs, burst: Math.max(1, Math.floor(cap * PACING_BURST_SHARE)) };
}

/** Each instance's share of the mailbox's 4 concurrent requests (at least one). */
export function pacingConcurrency(instances: number): number {
  return Math.max(1, Math.floor(GRAPH_MAILBOX_CONCURRENCY / instances));
}

export function pacingLimitFromSettings(s: PacingSettings): PacingLimit {
  return pacingLimit({ requestsPerWindow: s.GRAPH_MAILBOX_REQUESTS_PER_WINDOW, windowMs: s.GRAPH_MAILBOX_WINDOW_SECONDS * 1000, instances: s.GRAPH_PACING_INSTANCES });
}

/**
 * One mailbox's budget at `at`: the times its requests in the window count from (oldest
 * first: the start of one in flight, the end of one that ended), the bucket's `tokens`, and
 * the end of a pause a 429 named (no tokens accrue before).
 */
export interface Budget {
  starts: readonly number[];
  tokens: number;
  at: number;
  pausedUntil: number;
}

export function freshBudget(limit: PacingLimit, now: number): Budget {
  return { starts: [], tokens: limit.burst, at: now, pausedUntil: 0 };
}

function perMs(limit: PacingLimit): number {
  return limit.cap / limit.windowMs;
}

/** The bucket's tokens at `t` (they accrue from the later of `at` and the pause's end). */
function tokensAt(b: Budget, limit: PacingLimit, t: number): number {
  const from = Math.max(b.at, b.pausedUntil);
  return t <= from ? b.tokens : Math.min(limit.burst, b.tokens + (t - from) * perMs(limit));
}

/** The earliest time, not before `now`, at which the mailbox's next request may start. */
export function nextStart(b: Budget, limit: PacingLimit, now: number): number {
  let t = Math.max(now, b.pausedUntil);
  const n = b.starts.length;
  // The window holds `cap` starts already: wait until the oldest of the last `cap` has left
  // it (1 ms after, so that float rounding never puts both in one window).
  if (n >= limit.cap) t = Math.max(t, (b.starts[n - limit.cap] ?? 0) + limit.windowMs + 1);
  const tokens = tokensAt(b, limit, t);
  if (tokens < 1) t = Math.max(t, b.pausedUntil, b.at) + (1 - tokens) / perMs(limit);
  return t;
}

/** The budget after a request started at `now` (call when nextStart allows it). */
export function started(b: Budget, limit: PacingLimit, now: number): Budget {
  const from = firstInWindow(b.starts, now - limit.windowMs);
  return { starts: [...b.starts.slice(from), now], tokens: tokensAt(b, limit, now) - 1, at: Math.max(b.at, now), pausedUntil: b.pausedUntil };
}

/**
 * The budget after the request that started at `startedAt` ended (answered, failed or timed
 * out) at `endedAt`: from then on it counts in the window from its end. Graph received it at
 * some time in between, so counting from the end keeps every window Graph sees within the cap
 * however long the request took to reach Graph, and whatever the offset between Graph's
 * clock and this instance's.
 */
export function ended(b: Budget, startedAt: number, endedAt: number): Budget {
  const starts = [...b.starts];
  const i = starts.indexOf(startedAt);
  if (i >= 0) starts.splice(i, 1);
  starts.splice(firstInWindow(starts, endedAt), 0, endedAt);
  return { ...b, starts };
}

/** Index of the first start after `edge` (starts are sorted; a start at `edge` has left the window). */
function firstInWindow(starts: readonly number[], edge: number): number {
  let lo = 0;
  let hi = starts.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((starts[mid] ?? 0) <= edge) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * A 429 naming `retryAfterMs`: nothing starts before then, and the bucket starts over empty
 * then, so the mailbox's waiting requests go one after another after the pause, not all at once.
 */
export function pause(b: Budget, now: number, retryAfterMs: number): Budget {
  const until = Math.max(b.pausedUntil, now + Math.max(0, retryAfterMs));
  return { starts: b.starts, tokens: 0, at: Math.max(b.at, now), pausedUntil: until };
}

/** A budget with no start in the window, no pause and a full bucket: the same as a fresh one. */
export function isIdle(b: Budget, limit: PacingLimit, now: number): boolean {
  const last = b.starts[b.starts.length - 1];
  return (last === undefined || last <= now - limit.windowMs) && now >= b.pausedUntil && tokensAt(b, limit, now) >= limit.burst;
}

/** What the pacer needs from the world: a clock and a timer (tests pass fake ones). */
export interface PacerClock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

const realClock: PacerClock = {
  now: () => performance.timeOrigin + performance.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/** A request's outcome as far as the pacer cares. */
export interface PacedOutcome {
  status?: number;
  /** Retry-After of a 429, in ms. */
  retryAfterMs?: number;
}

/** The request was not sent: the mailbox is paused for longer than the caller may wait. */
export class MailboxPaused extends Error {
  constructor(readonly retryAfterMs: number) {
    super(`Graph asked to pause this mailbox for another ${Math.ceil(retryAfterMs / 1000)} s`);
  }
}

/**
 * The instance's budgets, one per mailbox key (see graph-limiter.ts's mailboxKey), plus the
 * concurrency cap. `run` waits for one of the mailbox's 4 slots, then for its turn, records
 * the start and learns from the outcome. The turn is taken inside the slot, so the window
 * holds the times requests really went out (a turn reserved ahead and then spent waiting
 * for a slot would let the window's next turns come too early).
 */
export class GraphPacer {
  private readonly budgets = new Map<string, Budget>();
  private sweepAt = 1024;

  constructor(
    readonly limit: PacingLimit,
    private readonly clock: PacerClock = realClock,
    private readonly concurrency = GRAPH_MAILBOX_CONCURRENCY,
  ) {}

  private budget(key: string, now: number): Budget {
    const b = this.budgets.get(key);
    if (b) return b;
    if (this.budgets.size >= this.sweepAt) this.sweep(now);
    return freshBudget(this.limit, now);
  }

  /** Forgets idle mailboxes (lossless: an idle budget equals a fresh one), so 10,000 mailboxes do not accumulate. */
  private sweep(now: number): void {
    for (const [key, b] of this.budgets) if (isIdle(b, this.limit, now)) this.budgets.delete(key);
    this.sweepAt = Math.max(1024, this.budgets.size * 2);
  }

  /**
   * Sends one request of mailbox `key` when the budget allows. A pause longer than
   * `maxWaitMs` is not waited out: MailboxPaused is thrown instead, nothing sent. (A turn
   * the window or the bucket holds back is waited for: it is at most `burst` turns away.)
   */
  async run<T extends PacedOutcome>(key: string, attempt: () => Promise<T>, maxWaitMs = Infinity): Promise<T> {
    // Refuse before queueing for a slot when the mailbox is paused for too long.
    await this.waitForTurn(key, maxWaitMs, false);
    return withMailboxSlot(
      key,
      async () => {
        const startedAt = await this.waitForTurn(key, maxWaitMs, true);
        try {
          const outcome = await attempt();
          if (outcome.status === 429 && outcome.retryAfterMs !== undefined) this.throttled(key, outcome.retryAfterMs);
          return outcome;
        } finally {
          const b = this.budgets.get(key);
          if (b) this.budgets.set(key, ended(b, startedAt, this.clock.now()));
        }
      },
      this.concurrency,
    );
  }

  /** Graph said 429 with Retry-After for this mailbox: every request of it in this instance waits that long. */
  throttled(key: string, retryAfterMs: number): void {
    const now = this.clock.now();
    this.budgets.set(key, pause(this.budget(key, now), now, retryAfterMs));
  }

  /** Waits until the mailbox's turn; `take` records the start (the caller sends at once). Returns the turn's time. */
  private async waitForTurn(key: string, maxWaitMs: number, take: boolean): Promise<number> {
    for (;;) {
      const now = this.clock.now();
      const b = this.budget(key, now);
      if (b.pausedUntil - now > maxWaitMs) throw new MailboxPaused(b.pausedUntil - now);
      const wait = nextStart(b, this.limit, now) - now;
      if (wait <= 0) {
        if (take) this.budgets.set(key, started(b, this.limit, now));
        return now;
      }
      // Then look again: another request may have taken the turn, or a 429 come in, meanwhile.
      await this.clock.sleep(wait);
    }
  }

  /** The mailbox's budget now (undefined when idle), for diagnostics and tests. */
  snapshot(key: string): Budget | undefined {
    return this.budgets.get(key);
  }
}

let processPacer: GraphPacer | undefined;

/** The instance's pacer, sized from the app settings on first use. */
export function graphPacer(env: NodeJS.ProcessEnv = process.env): GraphPacer {
  if (!processPacer) {
    const s = PacingSettingsSchema.parse(env);
    processPacer = new GraphPacer(pacingLimitFromSettings(s), realClock, pacingConcurrency(s.GRAPH_PACING_INSTANCES));
  }
  return processPacer;
}

/** The Graph client's request gate for one mailbox (key: graph-limiter.ts's mailboxKey), paced by the instance's pacer. */
export function pacedGate(key: string): RequestGate {
  return (attempt, maxWaitMs) => graphPacer().run(key, attempt, maxWaitMs);
}

/** For tests that change the pacing settings between cases. */
export function resetGraphPacer(): void {
  processPacer = undefined;
}
