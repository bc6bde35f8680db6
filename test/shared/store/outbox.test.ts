import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { useEmulatorEnv, type EmulatorEnv } from './emulator-env';
import { claimed, newOutboxRecord, sent } from '../../../shared/outbound/outbox';
import { createOutbox, markOutboxBounced, readOutbox, replaceOutbox } from '../../../shared/store/outbox';
import { asHeaderValue, outgoingMessageId } from '../../../shared/threading/message-ids';

let env: EmulatorEnv;
before(async () => { env = await useEmulatorEnv(); });
after(async () => { await env.stop(); });

const t0 = new Date('2026-12-06T10:00:00.000Z');

async function sentRecord(id: string) {
  const record = newOutboxRecord({
    id,
    channelId: 'ch-1',
    purpose: 'autoResponse',
    ticketId: 'T-1',
    mail: { from: 'desk@example.com', to: 'customer@example.org', subject: 'Your request', text: 'Thanks' },
    messageId: asHeaderValue(outgoingMessageId(id, 'example.com')),
    now: t0,
  });
  await createOutbox(record);
  const read = (await readOutbox('ch-1', id))!;
  await replaceOutbox(sent(claimed(read.record, 'd1', t0), t0), read.etag);
}

const bounce = { reason: '550 5.1.1 <customer@example.org>: user unknown', recipient: 'customer@example.org', status: '5.1.1', at: '2026-12-06T10:05:00.000Z' };

test('a bounce is marked on the stored record, which stays sent; marking it 3 more times writes nothing', async () => {
  await sentRecord('k1:autoResponse');
  const marked = await markOutboxBounced('ch-1', 'k1:autoResponse', bounce);
  assert.equal(marked?.state, 'sent');
  assert.deepEqual(marked?.bounce, bounce);
  const etag = (await readOutbox('ch-1', 'k1:autoResponse'))!.etag;
  for (let i = 0; i < 3; i++) await markOutboxBounced('ch-1', 'k1:autoResponse', { ...bounce, at: new Date().toISOString() });
  const after = (await readOutbox('ch-1', 'k1:autoResponse'))!;
  assert.equal(after.etag, etag, 'no write: the ETag is unchanged');
  assert.equal(after.record.bounce?.at, bounce.at);
});

test('a later, different bounce replaces the mark', async () => {
  await sentRecord('k2:autoResponse');
  await markOutboxBounced('ch-1', 'k2:autoResponse', bounce);
  await markOutboxBounced('ch-1', 'k2:autoResponse', { reason: '552 5.2.2 mailbox full', status: '5.2.2', at: '2026-12-07T10:00:00.000Z' });
  const r = (await readOutbox('ch-1', 'k2:autoResponse'))!.record;
  assert.deepEqual(r.bounce, { reason: '552 5.2.2 mailbox full', status: '5.2.2', at: '2026-12-07T10:00:00.000Z' });
});

test('a record that is not there is reported as such, not created', async () => {
  assert.equal(await markOutboxBounced('ch-1', 'missing:autoResponse', bounce), undefined);
  assert.equal(await readOutbox('ch-1', 'missing:autoResponse'), undefined);
});

test('concurrent marks and a concurrent writer: each mark reads again after a lost ETag race, and one mark stands', async () => {
  await sentRecord('k3:autoResponse');
  const read = (await readOutbox('ch-1', 'k3:autoResponse'))!;
  const others = [1, 2, 3, 4].map((i) => markOutboxBounced('ch-1', 'k3:autoResponse', { ...bounce, reason: `550 try ${i}` }));
  const writer = replaceOutbox({ ...read.record, updatedAt: new Date().toISOString() }, read.etag).catch(() => undefined);
  const results = await Promise.all([...others, writer]);
  const stored = (await readOutbox('ch-1', 'k3:autoResponse'))!.record;
  assert.ok(stored.bounce && /^550 try [1-4]$/.test(stored.bounce.reason));
  assert.ok(results.slice(0, 4).every((r) => r && r !== undefined && 'bounce' in r));
  assert.equal(stored.state, 'sent');
});
