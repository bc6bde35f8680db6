import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AnswerCounter, answersInLastHour, COUNTER_TTL_SECONDS, MAX_TRACKED_ANSWERS, nextCount, senderHash } from '../../../shared/answers/answer-counter';

const channelId = 'ch-1';
const sender = 'Jane@Example.com';
const at = (iso: string) => new Date(iso);

test('one record per channel and sender, keyed by the sender hash: the sender appears only as a hash', () => {
  const r = nextCount(undefined, { channelId, sender, at: at('2026-12-06T10:59:30Z'), messageId: '<mc.1@desk.example>' });
  assert.equal(r.id, senderHash(channelId, sender));
  assert.equal(r.channelId, channelId);
  assert.equal(r.ttl, COUNTER_TTL_SECONDS);
  assert.deepEqual(r.answers, [{ at: '2026-12-06T10:59:30.000Z', messageId: 'mc.1@desk.example' }]);
  assert.ok(!JSON.stringify(r).toLowerCase().includes('jane'));
  AnswerCounter.parse(r);
});

test('one sender is one sender whatever the case; another channel counts apart', () => {
  assert.equal(senderHash(channelId, 'JANE@example.com'), senderHash(channelId, 'jane@EXAMPLE.com'));
  assert.notEqual(senderHash(channelId, sender), senderHash('ch-2', sender));
});

test('nextCount adds to the record and drops the answers older than an hour before the new one', () => {
  let r = nextCount(undefined, { channelId, sender, at: at('2026-12-06T10:10:00Z') });
  r = nextCount(r, { channelId, sender, at: at('2026-12-06T10:20:00Z') });
  assert.equal(r.answers.length, 2);
  const next = nextCount(r, { channelId, sender, at: at('2026-12-06T11:15:00Z') });
  assert.deepEqual(next.answers.map((a) => a.at), ['2026-12-06T10:20:00.000Z', '2026-12-06T11:15:00.000Z']);
  assert.equal(next.id, r.id, 'the same record');
});

test('an answer stamped earlier than the latest (a clock behind) is kept in order, and drops nothing newer', () => {
  let r = nextCount(undefined, { channelId, sender, at: at('2026-12-06T10:30:00Z') });
  r = nextCount(r, { channelId, sender, at: at('2026-12-06T10:29:58Z') });
  assert.deepEqual(r.answers.map((a) => a.at), ['2026-12-06T10:29:58.000Z', '2026-12-06T10:30:00.000Z']);
});

test('nextCount never merges another sender’s record', () => {
  const jane = nextCount(undefined, { channelId, sender, at: at('2026-12-06T10:10:00Z') });
  const bob = nextCount(jane, { channelId, sender: 'bob@example.com', at: at('2026-12-06T10:10:00Z') });
  assert.equal(bob.answers.length, 1);
  assert.notEqual(bob.id, jane.id);
});

test('a record holds at most MAX_TRACKED_ANSWERS answers, the highest limit a channel may set, so a full hour still counts as full', () => {
  let r: AnswerCounter | undefined;
  for (let i = 0; i < MAX_TRACKED_ANSWERS + 20; i++) r = nextCount(r, { channelId, sender, at: new Date(Date.parse('2026-12-06T10:00:00Z') + i * 1000) });
  assert.equal(r!.answers.length, MAX_TRACKED_ANSWERS);
  assert.equal(r!.answers[0]!.at, new Date(Date.parse('2026-12-06T10:00:00Z') + 20_000).toISOString());
  assert.equal(answersInLastHour(r, at('2026-12-06T10:30:00Z')).count, MAX_TRACKED_ANSWERS);
});

test('the hour slides: 5 answers at 10:59 and 1 at 11:00 are 6 within the hour at 11:01, and 1 at 12:00', () => {
  let r: AnswerCounter | undefined;
  for (let i = 0; i < 5; i++) r = nextCount(r, { channelId, sender, at: at(`2026-12-06T10:59:0${i}Z`), messageId: `<mc.${i}@desk.example>` });
  r = nextCount(r, { channelId, sender, at: at('2026-12-06T11:00:00Z'), messageId: '<mc.5@desk.example>' });
  const recent = answersInLastHour(r, at('2026-12-06T11:01:00Z'));
  assert.equal(recent.count, 6);
  assert.deepEqual(recent.messageIds.sort(), ['mc.0@desk.example', 'mc.1@desk.example', 'mc.2@desk.example', 'mc.3@desk.example', 'mc.4@desk.example', 'mc.5@desk.example']);
  assert.equal(answersInLastHour(r, at('2026-12-06T11:59:30Z')).count, 1);
});

test('no record counts nothing; answers after `now` do not count', () => {
  assert.deepEqual(answersInLastHour(undefined, at('2026-12-06T11:30:00Z')), { count: 0, messageIds: [] });
  const r = nextCount(undefined, { channelId, sender, at: at('2026-12-06T11:40:00Z') });
  assert.equal(answersInLastHour(r, at('2026-12-06T11:30:00Z')).count, 0);
});
