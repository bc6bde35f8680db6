import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ledgerKey, normalizeMessageId, ticketIdFor } from '../../../shared/pipeline/ledger-key';
import { isDue } from '../../../shared/pipeline/schedule-sync';
import { channelRecord } from '../../support/fixtures';

test('the same Message-ID gives the same ledger key, with or without brackets and domain case', () => {
  assert.equal(normalizeMessageId(' <Abc.1@Mail.Example.ORG> '), 'Abc.1@mail.example.org');
  assert.equal(ledgerKey('c1', { messageId: '<Abc.1@MAIL.example.org>' }), ledgerKey('c1', { messageId: 'Abc.1@mail.example.org' }));
  assert.notEqual(ledgerKey('c1', { messageId: 'a@b' }), ledgerKey('c2', { messageId: 'a@b' }), 'keys are per channel');
  assert.notEqual(ledgerKey('c1', { messageId: 'abc@b' }), ledgerKey('c1', { messageId: 'ABC@b' }), 'the local part is case-sensitive');
});

test('a mail without Message-ID is keyed by its raw hash, and the ticket id follows the key', () => {
  const k = ledgerKey('c1', { rawSha256: 'ab'.repeat(32) });
  assert.equal(k, ledgerKey('c1', { rawSha256: 'ab'.repeat(32) }));
  assert.equal(ticketIdFor(k), ticketIdFor(k));
  assert.throws(() => ledgerKey('c1', {}));
});

test('a published channel is due for sync once its polling interval has passed', () => {
  const ch = channelRecord();
  const now = new Date('2026-11-02T10:00:00.000Z');
  assert.equal(isDue(ch, undefined, now), true);
  assert.equal(isDue(ch, '2026-11-02T09:59:30.000Z', now), false);
  assert.equal(isDue(ch, '2026-11-02T09:59:00.000Z', now), true);
  assert.equal(isDue(channelRecord({ status: 'paused' }), undefined, now), false);
});
