import { test } from 'node:test';
import assert from 'node:assert/strict';
import { scorecardRows } from '../../bench/scorecard';

test("issue 9's table reads each figure from its benchmark's results and says whether the goal is met", () => {
  const rows = scorecardRows({
    throughput: { runs: [{ concurrency: 1, ratio: 0.9 }, { concurrency: 8, ratio: 0.13, floorRatio: 0.3, ratioToFloor: 0.43 }] },
    requests: { unacknowledgedMail: { cosmos: { reads: 0, writes: 4, queries: 0, metadata: 0 } }, unacknowledgedStream: { cosmosOpsPerMail: 3.5 } },
    rss: { pipeline: { increaseOverRawSize: 0.67 }, large: { peakRssBytes: 196e6 } },
    backlog: { ratio: 0.96, throttledShare: 0.02 },
  });
  assert.deepEqual(
    rows.map((r) => [r.figure, r.met]),
    [
      ['pipeline throughput ÷ baseline, concurrency 8', false],
      ['Cosmos operations per new-ticket mail', true],
      ['peak RSS increase, 34 MB mail', true],
      ['150 MB mail, peak RSS', true],
      ["backlog drain ÷ Graph's per-mailbox ceiling", false],
    ],
    'the concurrency-8 run, not the first; 2 % of requests answered 429 misses the goal; benchmarks that did not run leave no row',
  );
  assert.equal(rows[0]?.value, '0.13 (floor ÷ baseline 0.30; pipeline ÷ floor 0.43)', 'the floor beside the ratio: the most any design could reach');
  assert.equal(rows[1]?.value, '3.50 in a stream of 20, 4 alone');
});

test('a benchmark that failed (its result an error) leaves no row', () => {
  assert.deepEqual(scorecardRows({ rss: { error: 'worker died' }, scale: { perMailboxGrowth: 0.9 } }).map((r) => r.figure), ['cost per mailbox-minute, 10,000 ÷ 100 mailboxes']);
});
