import type { z } from 'zod';
import { SettingsSchema } from '../config/settings';
import type { RequestGate } from '../auth/graph-client';
import { GRAPH_MAILBOX_CONCURRENCY, withMailboxSlot } from './graph-limiter';

/**
 * Paces Graph requests per mailbox so they spend Outlook's allowance evenly instead of
 * running into it. Outlook allows an app 10,000 requests per mailbox in any 10 minutes and 4
 * at once (https://learn.microsoft.com/en-us/graph/throttling-limits#outlook-service-limits);
 * over either it answers 429 with `Retry-After`.
 *
 * Per mailbox and instance there is a token bucket: `burst` (4) requests may go at once, then
 * one every 1/rate. Sized so that any window of the limit's length holds at most
 * burst + rate × window = SHARE × limit / instances: a backlog drains at the limit's pace
 * with a margin for the clocks of Graph and of this instance not agreeing on where a window
 * starts. A 429 teaches the budget: the mailbox's requests in this instance all wait until
 * the time its Retry-After names (not just the request that got it), and the bucket is
 * emptied so that they do not burst when the pause ends.
 *
 * Across instances the budget is per instance, bounded two ways: `GRAPH_PACING_INSTANCES`
 * divides the limit and the 4 concurrent requests by the number of instances expected to
 * send to one mailbox at the same time, and when more do, Graph's 429s pause each of them
 * (a few 429s per instance per pause, instead of one per request).
 */

/** The share of the documented limit the budget spends; the rest absorbs clock differences. */
export const PACING_SHARE = 0.98;

/** The app settings this module reads (read alone: the rest of the settings need not be valid here). */
export const PacingSettingsSchema = SettingsSchema.pick({ GRAPH_MAILBOX_REQUESTS_PER_WINDOW: true, GRAPH_MAILBOX_WINDOW_SECONDS: true, GRAPH_PACING_INSTANCES: true });
export type PacingSettings = z.infer<typeof PacingSettingsSchema>;

export interface PacingRate {
  /** Tokens the bucket holds at most (requests that may go at once after a quiet spell). */
  burst: number;
  /** Tokens added per millisecond. */
  perMs: number;
}

/** The bucket for a limit of `requestsPerWindow` per `windowMs`, shared by `instances`. */
export function pacingRate(limit: { requestsPerWindow: number; windowMs: number; instances: number }): PacingRate {
  const allowance = (PACING_SHARE * limit.requestsPerWindow) / limit.instances;
  // A burst of one request per slot: a quiet mailbox's few requests go at once, and every
  // token held back for bursts would be taken from the steady rate a backlog drains at.
  const burst = Math.max(1, Math.min(Math.floor(allowance / 2), GRAPH_MAILBOX_CONCURRENCY));
  return { burst, perMs: (allowance - burst) / limit.windowMs };
}

/** Each instance's share of the mailbox's 4 concurrent requests (at least one). */
export function pacingConcurrency(instances: number): number {
  return Math.max(1, Math.floor(GRAPH_MAILBOX_CONCURRENCY / instances));
}

export function pacingRateFromSettings(s: PacingSettings): PacingRate {
  return pacingRate({ requestsPerWindow: s.GRAPH_MAILBOX_REQUESTS_PER_WINDOW, windowMs: s.GRAPH_MAILBOX_WINDOW_SECONDS * 1000, instances: s.GRAPH_PACING_INSTANCES });
}

/**
 * One mailbox's budget at `at`: `tokens` may be negative (requests reserved ahead, each
 * waiting for its turn); none accrue before `pausedUntil`. `pauses` counts the 429s learnt,
 * so a request reserved before one knows to take its turn again.
 */
export interface Budget {
  tokens: number;
  at: number;
  pausedUntil: number;
  pauses: number;
}

export function freshBudget(rate: PacingRate, now: number): Budget {
  return { tokens: rate.burst, at: now, pausedUntil: 0, pauses: 0 };
}

/** The budget brought forward to `now` (tokens accrue from the later of `at` and the pause's end). */
function refill(b: Budget, rate: PacingRate, now: number): Budget {
  const from = Math.max(b.at, b.pausedUntil);
  if (now <= from) return b;
  return { ...b, tokens: Math.min(rate.burst, b.tokens + (now - from) * rate.perMs), at: now };
}

/** Reserves one request: the budget after it, and when the request may start (never before `now`). */
export function reserve(b: Budget, rate: PacingRate, now: number): { budget: Budget; startAt: number } {
  const r = refill(b, rate, now);
  const tokens = r.tokens - 1;
  const accrueFrom = Math.max(now, r.at, r.pausedUntil);
  const startAt = tokens >= 0 ? Math.max(now, r.pausedUntil) : accrueFrom + -tokens / rate.perMs;
  return { budget: { ...r, tokens }, startAt };
}

/**
 * A 429 naming `retryAfterMs`: nothing starts before then, and the bucket starts over empty
 * then. Requests already waiting for their turn take a new one (their reservations are
 * forgiven), so they too go one after another after the pause, not all at once.
 */
export function pause(b: Budget, rate: PacingRate, now: number, retryAfterMs: number): Budget {
  const r = refill(b, rate, now);
  const until = Math.max(r.pausedUntil, now + Math.max(0, retryAfterMs));
  return { tokens: 0, at: Math.max(r.at, now), pausedUntil: until, pauses: r.pauses + 1 };
}

/** A budget that has nothing reserved or paused and a full bucket: the same as a fresh one. */
export function isIdle(b: Budget, rate: PacingRate, now: number): boolean {
  const r = refill(b, rate, now);
  return now >= r.pausedUntil && r.tokens >= rate.burst;
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
 * concurrency cap. `run` waits for the mailbox's turn, then for one of its 4 slots, and
 * learns from the outcome.
 */
export class GraphPacer {
  private readonly budgets = new Map<string, Budget>();
  private sweepAt = 1024;

  constructor(
    readonly rate: PacingRate,
    private readonly clock: PacerClock = realClock,
    private readonly concurrency = GRAPH_MAILBOX_CONCURRENCY,
  ) {}

  private budget(key: string, now: number): Budget {
    const b = this.budgets.get(key);
    if (b) return b;
    if (this.budgets.size >= this.sweepAt) this.sweep(now);
    return freshBudget(this.rate, now);
  }

  /** Forgets idle mailboxes (lossless: an idle budget equals a fresh one), so 10,000 mailboxes do not accumulate. */
  private sweep(now: number): void {
    for (const [key, b] of this.budgets) if (isIdle(b, this.rate, now)) this.budgets.delete(key);
    this.sweepAt = Math.max(1024, this.budgets.size * 2);
  }

  /**
   * Sends one request of mailbox `key` when the budget allows. A pause longer than
   * `maxWaitMs` is not waited out: MailboxPaused is thrown instead, nothing sent.
   */
  async run<T extends PacedOutcome>(key: string, attempt: () => Promise<T>, maxWaitMs = Infinity): Promise<T> {
    for (;;) {
      await this.waitForPause(key, maxWaitMs);
      const now = this.clock.now();
      const { budget, startAt } = reserve(this.budget(key, now), this.rate, now);
      this.budgets.set(key, budget);
      if (startAt > now) await this.clock.sleep(startAt - now);
      // A 429 that came in meanwhile voided the turn: take a new one after the pause.
      if ((this.budgets.get(key)?.pauses ?? 0) === budget.pauses) break;
    }
    return withMailboxSlot(
      key,
      async () => {
        // ... or while it waited for a slot (the slots' holders are all paused then too).
        await this.waitForPause(key, maxWaitMs);
        const outcome = await attempt();
        if (outcome.status === 429 && outcome.retryAfterMs !== undefined) this.throttled(key, outcome.retryAfterMs);
        return outcome;
      },
      this.concurrency,
    );
  }

  /** Graph said 429 with Retry-After for this mailbox: every request of it in this instance waits that long. */
  throttled(key: string, retryAfterMs: number): void {
    const now = this.clock.now();
    this.budgets.set(key, pause(this.budget(key, now), this.rate, now, retryAfterMs));
  }

  private async waitForPause(key: string, maxWaitMs: number): Promise<void> {
    for (;;) {
      const until = this.budgets.get(key)?.pausedUntil ?? 0;
      const wait = until - this.clock.now();
      if (wait <= 0) return;
      if (wait > maxWaitMs) throw new MailboxPaused(wait);
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
    processPacer = new GraphPacer(pacingRateFromSettings(s), realClock, pacingConcurrency(s.GRAPH_PACING_INSTANCES));
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
