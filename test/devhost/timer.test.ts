import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startTestStack, type TestStack } from '../support/stack';
import { eventually, fixtureApp, observed } from './helpers';

/** Timer triggers through the real local host, against the fixture app. */
describe('devhost timer triggers', () => {
  let stack: TestStack;
  before(async () => {
    stack = await startTestStack({
      appRoot: fixtureApp,
      env: { TICK_SCHEDULE: '*/1 * * * * *', TICK_USE_MONITOR: 'true', SLOW_TICK_SCHEDULE: '*/1 * * * * *', SLOW_TICK_MS: '1200' },
    });
  });
  after(async () => { await stack?.stop(); });

  test('a 6-field NCRONTAB schedule fires the function, which gets the timer with its schedule status', async () => {
    const ticks = await eventually(async () => { const t = await observed(stack.baseUrl, 'tick'); return t.length >= 2 ? t : undefined; }, 'two ticks');
    const [first, second] = ticks.map((t) => t.timer as { schedule: unknown; scheduleStatus: { last: string; next: string; lastUpdated: string } | null; isPastDue: boolean });
    assert.deepEqual(first?.schedule, { adjustForDST: true });
    assert.equal(first?.isPastDue, false);
    // Monitored: the first run has never run before; the second knows when the first ran.
    assert.equal(first?.scheduleStatus?.last, '0001-01-01T00:00:00');
    assert.ok(second?.scheduleStatus, 'the second run has a schedule status');
    assert.ok(Date.parse(second.scheduleStatus.next) > Date.parse(second.scheduleStatus.last), 'next is after last');
    assert.equal(Date.parse(second.scheduleStatus.next) % 1000, 0, 'next is an occurrence of the schedule (a whole second)');
  });

  test('runOnStartup runs the function once when the host starts', async () => {
    const runs = await eventually(async () => { const r = await observed(stack.baseUrl, 'startupTick'); return r.length > 0 ? r : undefined; }, 'the startup run');
    assert.equal(runs.length, 1);
    assert.equal((runs[0]?.timer as { isPastDue: boolean }).isPastDue, false);
  });

  test('the admin API fires a timer on demand, with no schedule status and isPastDue false', async () => {
    const before = (await observed(stack.baseUrl, 'startupTick')).length;
    const rec = await stack.invokeAndWait('startupTick');
    assert.equal(rec.status, 'succeeded');
    const runs = await observed(stack.baseUrl, 'startupTick');
    assert.equal(runs.length, before + 1);
    assert.deepEqual(runs.at(-1)?.timer, { schedule: { adjustForDST: true }, scheduleStatus: null, isPastDue: false });
  });

  test('a timer never overlaps itself: a run still going holds back the next', async () => {
    const runs = await eventually(async () => { const r = await observed(stack.baseUrl, 'slowTick'); return r.length >= 3 ? r : undefined; }, 'three slow runs');
    for (let i = 1; i < runs.length; i++) {
      assert.ok(Number(runs[i]?.startedAt) >= Number(runs[i - 1]?.endedAt), `run ${i} started after run ${i - 1} ended`);
    }
  });
});
