import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { NEVER, pastDueMs } from '../../devhost/timer/schedule-monitor';
import { nextOccurrences, parseSchedule } from '../../devhost/timer/schedule';

const iso = (ds: Date[]) => ds.map((d) => d.toISOString());
// Process time zone is UTC in tests, as in Azure by default.
const from = new Date('2024-01-01T00:00:00.000Z');

describe('timer schedules (NCRONTAB)', () => {
  test('six fields with seconds: "*/15 * * * * *" fires every 15 seconds', () => {
    assert.deepEqual(iso(nextOccurrences(parseSchedule('*/15 * * * * *'), from, 3)), [
      '2024-01-01T00:00:15.000Z', '2024-01-01T00:00:30.000Z', '2024-01-01T00:00:45.000Z',
    ]);
  });

  test('"0 30 9 * * 1-5" is 9:30 on weekdays, with names allowed ("0 0 12 * Jan Mon")', () => {
    assert.deepEqual(iso(nextOccurrences(parseSchedule('0 30 9 * * 1-5'), new Date('2024-01-05T10:00:00Z'), 2)), [
      '2024-01-08T09:30:00.000Z', '2024-01-09T09:30:00.000Z',
    ]);
    assert.deepEqual(iso(nextOccurrences(parseSchedule('0 0 12 * Jan Mon'), from, 2)), [
      '2024-01-01T12:00:00.000Z', '2024-01-08T12:00:00.000Z',
    ]);
  });

  test('both day fields restricted means both must match (NCRONTAB), unlike cron\'s either', () => {
    // Friday the 13th only: September and December 2024.
    assert.deepEqual(iso(nextOccurrences(parseSchedule('0 0 9 13 * Fri'), from, 2)), [
      '2024-09-13T09:00:00.000Z', '2024-12-13T09:00:00.000Z',
    ]);
  });

  test('a 5-field cron expression, `?`, `L`, day-of-week 7 and out-of-range values are rejected like the host does', () => {
    for (const bad of ['0 * * * *', '0 0 12 ? * *', '0 0 12 L * *', '0 0 12 * * 7', '60 * * * * *', '0 0 25 * * *']) {
      assert.throws(() => parseSchedule(bad), /was not recognized as a valid cron expression or timespan string/, bad);
    }
  });

  test('a TimeSpan schedule is an interval; sub-minute schedules are not monitored by default', () => {
    const every5 = parseSchedule('00:05:00');
    assert.equal(every5.next(from).toISOString(), '2024-01-01T00:05:00.000Z');
    assert.equal(every5.defaultUseMonitor, true);
    assert.equal(parseSchedule('*/10 * * * * *').defaultUseMonitor, false);
    assert.equal(parseSchedule('0 * * * * *').defaultUseMonitor, true);
  });

  test('a timer is past due at start when its recorded next occurrence has gone by', () => {
    const s = parseSchedule('0 0 * * * *');
    const status = { last: new Date('2024-01-01T09:00:00Z'), next: new Date('2024-01-01T10:00:00Z'), lastUpdated: new Date('2024-01-01T09:00:00Z') };
    assert.equal(pastDueMs(new Date('2024-01-01T09:30:00Z'), status, s.next), 0);
    assert.equal(pastDueMs(new Date('2024-01-01T10:05:00Z'), status, s.next), 5 * 60_000);
    assert.equal(pastDueMs(new Date('2024-01-01T10:05:00Z'), undefined, s.next), 0, 'never ran: not past due');
    assert.equal(pastDueMs(new Date('2024-01-01T09:30:00Z'), { last: NEVER, next: new Date('2024-01-01T10:00:00Z'), lastUpdated: NEVER }, s.next), 0);
  });
});
