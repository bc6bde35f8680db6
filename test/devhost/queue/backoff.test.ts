import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { HostJsonSchema, MIN_POLLING_INTERVAL_MS, hostConfig } from '../../../devhost/host-json';
import { RandomizedExponentialBackoff } from '../../../devhost/queue/backoff';
import { seededRandom } from '../../support/seeded-random';

/**
 * The push path's latency budget (issue 9: arrival → ticket p50 ≤ 2 s) depends on how
 * soon an idle `mail-inbound` queue is polled again; the idle cost is how often. Both
 * follow from host.json's maxPollingInterval as the devhost reads it — the same value and
 * algorithm as Azure's queue listener.
 */
const root = path.resolve(__dirname, '../../..');
const deployed = hostConfig(HostJsonSchema.parse(JSON.parse(fs.readFileSync(path.join(root, 'host.json'), 'utf8')))).queues;

/** Empty polls in `windowMs` of an idle queue, and the longest wait between two of them. */
function idlePolls(maxMs: number, windowMs: number, seed: number): { polls: number; longestWaitMs: number } {
  const backoff = new RandomizedExponentialBackoff(MIN_POLLING_INTERVAL_MS, maxMs, seededRandom(seed));
  let t = 0;
  let polls = 0;
  let longestWaitMs = 0;
  while (t < windowMs) {
    polls++;
    const wait = backoff.next(false);
    longestWaitMs = Math.max(longestWaitMs, wait);
    t += wait;
  }
  return { polls, longestWaitMs };
}

test('host.json polls an idle queue at least every 2 s, as the devhost reads it', () => {
  assert.ok(deployed.maxPollingIntervalMs <= 2000, `maxPollingInterval ${deployed.maxPollingIntervalMs} ms`);
  assert.ok(deployed.maxPollingIntervalMs >= 1000, 'not tighter than needed: each poll is a billed storage transaction');
});

test('an idle queue waits at most maxPollingInterval for its next poll, so new mail is picked up within 2 s', () => {
  for (const seed of [1, 2, 3]) assert.equal(idlePolls(deployed.maxPollingIntervalMs, 3_600_000, seed).longestWaitMs, deployed.maxPollingIntervalMs);
});

test('an idle queue costs 3,600 s ÷ maxPollingInterval receive calls an hour, plus a few while backing off (1,800 + ≤ 10 at 2 s)', () => {
  const steady = 3_600_000 / deployed.maxPollingIntervalMs;
  for (const seed of [1, 2, 3]) {
    const { polls } = idlePolls(deployed.maxPollingIntervalMs, 3_600_000, seed);
    assert.ok(polls >= steady && polls <= steady + 10, `${polls} polls`);
  }
  // The Functions default (1 minute) would cost 60 + a few: the price of the 2 s pickup is ~30× that.
  const atDefault = idlePolls(60_000, 3_600_000, 1).polls;
  assert.ok(atDefault >= 60 && atDefault <= 70, `${atDefault} polls at the default`);
});
