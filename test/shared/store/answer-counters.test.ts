import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { useEmulatorEnv, type EmulatorEnv } from './emulator-env';
import { recentAnswers, reserveAnswer } from '../../../shared/store/answer-counters';
import { container } from '../../../shared/store/cosmos';
import { nextCount, senderHash } from '../../../shared/answers/answer-counter';

let env: EmulatorEnv;
before(async () => {
  env = await useEmulatorEnv();
});
after(async () => {
  await env.stop();
});

test('an answer counted twice (a redelivered mail) counts once; its own answer does not count against the mail that got it', async () => {
  const at = new Date('2026-12-06T10:30:00Z');
  const countAnswer = (ch: string, who: string, when: Date, id: string) => reserveAnswer(ch, who, when, id, 100);
  await countAnswer('ch-a', 'Ann@Customer.example', at, '<mc.1@contoso.example>');
  await countAnswer('ch-a', 'ann@customer.example', at, '<mc.1@contoso.example>');
  const seen = await recentAnswers('ch-a', 'ann@customer.example', new Date('2026-12-06T10:31:00Z'));
  assert.equal(seen.count, 1);
  assert.deepEqual(seen.messageIds, ['mc.1@contoso.example']);
  const forItself = await recentAnswers('ch-a', 'ann@customer.example', new Date('2026-12-06T10:31:00Z'), '<mc.1@contoso.example>');
  assert.equal(forItself.count, 0);
});

test('answers in a sliding hour count across the clock hour, concurrent counts are not lost, and other channels and senders are apart', async () => {
  const countAnswer = (ch: string, who: string, when: Date, id: string) => reserveAnswer(ch, who, when, id, 100);
  await Promise.all(Array.from({ length: 3 }, (_, i) => countAnswer('ch-b', 'bob@customer.example', new Date('2026-12-06T10:59:00Z'), `<mc.b${i}@contoso.example>`)));
  await Promise.all(Array.from({ length: 3 }, (_, i) => countAnswer('ch-b', 'bob@customer.example', new Date('2026-12-06T11:01:00Z'), `<mc.c${i}@contoso.example>`)));
  assert.equal((await recentAnswers('ch-b', 'bob@customer.example', new Date('2026-12-06T11:02:00Z'))).count, 6);
  assert.equal((await recentAnswers('ch-b', 'bob@customer.example', new Date('2026-12-06T12:00:30Z'))).count, 3);
  assert.equal((await recentAnswers('ch-a', 'bob@customer.example', new Date('2026-12-06T11:02:00Z'))).count, 0);
  assert.equal((await recentAnswers('ch-b', 'eve@customer.example', new Date('2026-12-06T11:02:00Z'))).count, 0);
});

test('24 mails of one sender answered at once get exactly the limit of 5 reservations; a full hour refuses, a reserved answer stays reserved', async () => {
  const at = new Date('2026-12-06T14:30:00Z');
  const granted = await Promise.all(Array.from({ length: 24 }, (_, i) => reserveAnswer('ch-burst', 'robot@customer.example', at, `<mc.burst${i}@contoso.example>`, 5)));
  assert.equal(granted.filter(Boolean).length, 5);
  assert.equal((await recentAnswers('ch-burst', 'robot@customer.example', new Date('2026-12-06T14:31:00Z'))).count, 5);
  const winner = granted.indexOf(true);
  assert.equal(await reserveAnswer('ch-burst', 'robot@customer.example', at, `<mc.burst${winner}@contoso.example>`, 5), true, 'a redelivered mail keeps its reservation');
  assert.equal(await reserveAnswer('ch-burst', 'robot@customer.example', at, '<mc.late@contoso.example>', 5), false);
  assert.equal((await recentAnswers('ch-burst', 'robot@customer.example', new Date('2026-12-06T14:31:00Z'))).count, 5);
});

test('the reservation starts from the counters the decision read; counted meanwhile by another instance, it reads again and the limit holds', async () => {
  const at = new Date('2026-12-06T12:10:00Z');
  assert.equal((await recentAnswers('ch-kept', 'kim@customer.example', at)).count, 0);
  // another instance answers Kim between this mail's decision and its reservation
  const c = await container('answerCounters');
  await c.items.create(nextCount(undefined, { channelId: 'ch-kept', sender: 'kim@customer.example', at, messageId: '<mc.other@contoso.example>' }));
  assert.equal(await reserveAnswer('ch-kept', 'kim@customer.example', at, '<mc.mine@contoso.example>', 1), false, 'the hour is full: the stale read lost its create (409) and was read again');
  assert.equal((await recentAnswers('ch-kept', 'kim@customer.example', at)).count, 1);
});

test('one point read per decision: the record of the hourly shape an earlier version wrote is not read (after an upgrade a sender starts an empty hour once)', async () => {
  const at = new Date('2026-12-06T15:10:00Z');
  const c = await container('answerCounters');
  const hash = senderHash('ch-upgrade', 'lee@customer.example');
  // what the earlier version kept per sender and clock hour
  await c.items.create({ id: `${hash}.2026120615`, channelId: 'ch-upgrade', senderHash: hash, hour: '2026120615', count: 5, answers: [], ttl: 10_800 });
  assert.equal((await recentAnswers('ch-upgrade', 'lee@customer.example', at)).count, 0);
  assert.equal(await reserveAnswer('ch-upgrade', 'lee@customer.example', at, '<mc.up@contoso.example>', 5), true);
  const { resource } = await c.item(hash, 'ch-upgrade').read();
  assert.deepEqual(resource.answers, [{ at: at.toISOString(), messageId: 'mc.up@contoso.example' }]);
});
