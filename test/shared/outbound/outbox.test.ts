import { test } from 'node:test';
import assert from 'node:assert/strict';
import { attemptFailed, bounced, claimed, newOutboxRecord, OutboxRecord, poisoned, SEND_CLAIM_MS, sendStep, sent } from '../../../shared/outbound/outbox';
import { asHeaderValue, outgoingMessageId } from '../../../shared/threading/message-ids';

const t0 = new Date('2026-12-06T10:00:00.000Z');
const later = (ms: number) => new Date(t0.getTime() + ms);

const record = newOutboxRecord({
  id: 'ledger-key-1:autoResponse',
  channelId: 'ch-1',
  purpose: 'autoResponse',
  ticketId: 'T-1',
  mail: { from: 'desk@example.com', to: 'customer@example.org', subject: 'Re: help [#T-1]', text: 'Thanks', attachments: [{ filename: 'a.pdf', blobName: 'sha256/ab/abc' }] },
  messageId: asHeaderValue(outgoingMessageId('ledger-key-1:autoResponse', 'example.com')),
  now: t0,
});

test('a new record is queued, with the Message-ID made from its outbox key and attachments by blob reference', () => {
  assert.equal(record.state, 'queued');
  assert.equal(record.attempts, 0);
  assert.match(record.messageId, /^<mc\.[0-9a-f]{32}@example\.com>$/);
  assert.equal(record.mail.attachments?.[0]?.blobName, 'sha256/ab/abc');
  assert.throws(() => OutboxRecord.parse({ ...record, mail: { ...record.mail, attachments: [{ filename: 'a.pdf', content: Buffer.from('x') }] } }), 'bytes are not stored in the record');
});

test('a queued record is sent; a sent or failed one is never sent again', () => {
  assert.deepEqual(sendStep(record, 'd1', t0), { action: 'send', resend: false });
  assert.deepEqual(sendStep(sent(claimed(record, 'd1', t0), later(1)), 'd2', later(2)), { action: 'skip', why: 'sent' });
  const failed = attemptFailed(claimed(record, 'd1', t0), { code: 'SMTP_REJECTED', message: '550 no such user', retryable: false }, later(1));
  assert.deepEqual(sendStep(failed, 'd1', later(2)), { action: 'skip', why: 'failed' });
  assert.deepEqual(failed.failure, { code: 'SMTP_REJECTED', reason: '550 no such user' });
});

test('a record another delivery is sending is left alone until its claim expires, then sent again (the one duplicate window)', () => {
  const sending = claimed(record, 'd1', t0);
  assert.equal(sending.state, 'sending');
  assert.equal(sending.attempts, 1);
  assert.deepEqual(sendStep(sending, 'd2', later(SEND_CLAIM_MS - 1)), { action: 'skip', why: 'held-by-another' });
  assert.deepEqual(sendStep(sending, 'd2', later(SEND_CLAIM_MS + 1)), { action: 'send', resend: true });
});

test('the redelivery of the same queue message goes on at once: its id holds the claim', () => {
  assert.deepEqual(sendStep(claimed(record, 'd1', t0), 'd1', later(1)), { action: 'send', resend: true });
});

test('a transient failure puts the record back in the queue state with the error; the claim is released', () => {
  const back = attemptFailed(claimed(record, 'd1', t0), { code: 'SMTP_DEFERRED', message: '451 try later', retryable: true }, later(5));
  assert.equal(back.state, 'queued');
  assert.equal(back.claim, undefined);
  assert.deepEqual(back.lastError, { code: 'SMTP_DEFERRED', message: '451 try later', at: later(5).toISOString() });
  assert.deepEqual(sendStep(back, 'd2', later(6)), { action: 'send', resend: false });
});

test('poison fails the record with the last error; a sent record stays sent', () => {
  const back = attemptFailed(claimed(record, 'd1', t0), { code: 'GRAPH_THROTTLED', message: 'Graph 429', retryable: true }, later(5));
  const failed = poisoned(back, later(9));
  assert.equal(failed?.state, 'failed');
  assert.deepEqual(failed?.failure, { code: 'GRAPH_THROTTLED', reason: 'Graph 429' });
  assert.equal(poisoned(claimed(record, 'd1', t0), later(9))?.failure?.code, 'SEND_RETRIES_EXHAUSTED');
  assert.equal(poisoned(sent(claimed(record, 'd1', t0), later(1)), later(9)), undefined);
});

test('a bounce marks a sent record and leaves it sent; the same bounce again writes nothing, a different one replaces it', () => {
  const done = sent(claimed(record, 'd1', t0), later(1));
  const first = bounced(done, { reason: '550 5.1.1 user unknown', recipient: 'customer@example.org', status: '5.1.1', at: later(60_000).toISOString() });
  assert.equal(first?.state, 'sent');
  assert.equal(first?.sentAt, done.sentAt);
  assert.deepEqual(first?.bounce, { reason: '550 5.1.1 user unknown', recipient: 'customer@example.org', status: '5.1.1', at: later(60_000).toISOString() });
  assert.equal(first?.updatedAt, later(60_000).toISOString());
  assert.ok(OutboxRecord.safeParse(first).success);

  assert.equal(bounced(first!, { reason: '550 5.1.1 user unknown', recipient: 'customer@example.org', status: '5.1.1', at: later(120_000).toISOString() }), undefined, 'a redelivered bounce changes nothing');
  const other = bounced(first!, { reason: '552 5.2.2 mailbox full', recipient: 'customer@example.org', status: '5.2.2', at: later(180_000).toISOString() });
  assert.equal(other?.bounce?.reason, '552 5.2.2 mailbox full');
  assert.equal(other?.bounce?.status, '5.2.2');
  assert.throws(() => bounced(done, { reason: '', at: t0.toISOString() }), 'a bounce has a reason');
});
