import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ledgerKey, normalizeMessageId, ticketIdFor } from '../../../shared/pipeline/ledger-key';

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

