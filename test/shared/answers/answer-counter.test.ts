import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  AnswerCounter,
  answersInLastHour,
  COUNTER_TTL_SECONDS,
  counterIds,
  hourBucket,
  MAX_TRACKED_ANSWERS,
  nextCount,
  senderHash,
} from '../../../shared/answers/answer-counter';

const channelId = 'ch-1';
const sender = 'Jane@Example.com';
const at = (iso: string) => new Date(iso);

test('the key is channel + sender hash + clock hour, and the sender appears only as a hash', () => {
  const r = nextCount(undefined, { channelId, sender, at: at('2026-12-06T10:59:30Z'), messageId: '<mc.1@desk.example>' });
  assert.equal(r.hour, '2026120610');
  assert.equal(r.id, `${senderHash(channelId, sender)}.2026120610`);
  assert.equal(r.channelId, channelId);
  assert.equal(r.count, 1);
  assert.equal(r.ttl, COUNTER_TTL_SECONDS);
  assert.deepEqual(r.answers, [{ at: '2026-12-06T10:59:30.000Z', messageId: 'mc.1@desk.example' }]);
  assert.ok(!JSON.stringify(r).toLowerCase().includes('jane'));
  AnswerCounter.parse(r);
});

test('one sender is one sender whatever the case; another channel counts apart', () => {
  assert.equal(senderHash(channelId, 'JANE@example.com'), senderHash(channelId, 'jane@EXAMPLE.com'));
  assert.notEqual(senderHash(channelId, sender), senderHash('ch-2', sender));
});

test('nextCount adds to the record of the same hour and starts a new one for the next hour', () => {
  let r = nextCount(undefined, { channelId, sender, at: at('2026-12-06T10:10:00Z') });
  r = nextCount(r, { channelId, sender, at: at('2026-12-06T10:20:00Z') });
  assert.equal(r.count, 2);
  assert.equal(r.answers.length, 2);
  const next = nextCount(r, { channelId, sender, at: at('2026-12-06T11:00:00Z') });
  assert.equal(next.count, 1);
  assert.equal(next.hour, '2026120611');
  assert.notEqual(next.id, r.id);
});

test('nextCount never merges another sender’s record', () => {
  const jane = nextCount(undefined, { channelId, sender, at: at('2026-12-06T10:10:00Z') });
  const bob = nextCount(jane, { channelId, sender: 'bob@example.com', at: at('2026-12-06T10:10:00Z') });
  assert.equal(bob.count, 1);
});

test('a record keeps the latest MAX_TRACKED_ANSWERS answers and the full count', () => {
  let r: AnswerCounter | undefined;
  for (let i = 0; i < MAX_TRACKED_ANSWERS + 20; i++) r = nextCount(r, { channelId, sender, at: new Date(Date.parse('2026-12-06T10:00:00Z') + i * 1000) });
  assert.equal(r!.count, MAX_TRACKED_ANSWERS + 20);
  assert.equal(r!.answers.length, MAX_TRACKED_ANSWERS);
  assert.equal(r!.answers[0]!.at, new Date(Date.parse('2026-12-06T10:00:00Z') + 20_000).toISOString());
  // cut answers still count: when in doubt, the limit holds
  assert.equal(answersInLastHour([r], at('2026-12-06T10:30:00Z')).count, MAX_TRACKED_ANSWERS + 20);
});

test('the hour slides: 5 answers at 10:59 and 1 at 11:00 are 6 within the hour at 11:01, and 1 at 12:00', () => {
  let prev: AnswerCounter | undefined;
  for (let i = 0; i < 5; i++) prev = nextCount(prev, { channelId, sender, at: at(`2026-12-06T10:59:0${i}Z`), messageId: `<mc.${i}@desk.example>` });
  const cur = nextCount(undefined, { channelId, sender, at: at('2026-12-06T11:00:00Z'), messageId: '<mc.5@desk.example>' });
  const now = at('2026-12-06T11:01:00Z');
  const ids = counterIds(channelId, sender, now);
  assert.equal(ids.current, cur.id);
  assert.equal(ids.previous, prev!.id);
  const recent = answersInLastHour([cur, prev], now);
  assert.equal(recent.count, 6);
  assert.deepEqual(recent.messageIds.sort(), ['mc.0@desk.example', 'mc.1@desk.example', 'mc.2@desk.example', 'mc.3@desk.example', 'mc.4@desk.example', 'mc.5@desk.example']);
  assert.equal(answersInLastHour([cur, prev], at('2026-12-06T11:59:30Z')).count, 1);
});

test('records of other hours, missing records and a record read twice do not count', () => {
  const old = nextCount(undefined, { channelId, sender, at: at('2026-12-06T08:30:00Z') });
  const cur = nextCount(undefined, { channelId, sender, at: at('2026-12-06T11:00:00Z') });
  assert.equal(answersInLastHour([old, undefined, cur, cur], at('2026-12-06T11:30:00Z')).count, 1);
  assert.deepEqual(answersInLastHour([], at('2026-12-06T11:30:00Z')), { count: 0, messageIds: [] });
});

test('hour buckets are UTC clock hours', () => {
  assert.equal(hourBucket(at('2026-01-02T03:04:05+02:00')), '2026010201');
});
