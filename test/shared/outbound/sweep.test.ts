import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { useEmulatorEnv, type EmulatorEnv } from '../store/emulator-env';
import { newOutboxRecord, sent, type OutboxRecord } from '../../../shared/outbound/outbox';
import { sweepDeps } from '../../../shared/outbound/runtime';
import { sweepOutbox } from '../../../shared/outbound/sweep';
import { createOutbox, readOutbox } from '../../../shared/store/outbox';
import { recordMessageId } from '../../../shared/store/thread-index';
import type { MailOutboundMessage } from '../../../shared/queue/contracts';

/** The outbox sweep on the real outbox and thread index (Cosmos emulator); the queue is captured. */
let env: EmulatorEnv;
before(async () => {
  env = await useEmulatorEnv();
});
after(async () => {
  await env.stop();
});

const HOUR = 3_600_000;
const mail = { from: { name: 'Desk', address: 'desk@contoso.example' }, to: 'ann@customer.example', subject: 'Re: x', text: 'hello' };

function record(id: string, ageMs: number, ticketId = 'T-1'): OutboxRecord {
  return newOutboxRecord({ id, channelId: 'ch-sweep', purpose: 'agentReply', ticketId, mail, messageId: `<mc.${id}@contoso.example>`, now: new Date(Date.now() - ageMs) });
}

test('a dispatched record whose queue message was lost is queued again; an undispatched one waits a day and is then failed with the reason; sent and fresh records are left alone', async () => {
  const lost = record('lost', 2 * HOUR);
  const orphan = record('orphan', 30 * HOUR);
  const young = record('young', 2 * HOUR);
  const fresh = record('fresh', 60_000);
  const done = sent(record('done', 3 * HOUR), new Date(Date.now() - 3 * HOUR));
  for (const r of [lost, orphan, young, fresh, done]) await createOutbox(r);
  await recordMessageId('ch-sweep', lost.messageId, 'T-1', 'sent', new Date(), lost.id);
  await recordMessageId('ch-sweep', fresh.messageId, 'T-1', 'sent', new Date(), fresh.id);

  const queued: MailOutboundMessage[] = [];
  const report = await sweepOutbox({ ...sweepDeps(), enqueue: async (m) => void queued.push(m) });
  assert.deepEqual(report.requeued, ['lost']);
  assert.deepEqual(queued.map((m) => m.outboxId), ['lost']);
  assert.deepEqual(report.abandoned, ['orphan']);
  assert.equal(report.waiting, 1, 'the young undispatched record waits: its request may still be running or be retried');
  const failed = await readOutbox('ch-sweep', 'orphan');
  assert.equal(failed?.record.state, 'failed');
  assert.equal(failed?.record.failure?.code, 'NEVER_DISPATCHED');
  assert.equal((await readOutbox('ch-sweep', 'done'))?.record.state, 'sent');

  // the next sweep finds the failed record no more and queues the lost one again (harmless: the send job sends once)
  const again = await sweepOutbox({ ...sweepDeps(), enqueue: async () => undefined });
  assert.deepEqual(again.abandoned, []);
  assert.deepEqual(again.requeued, ['lost']);
});
