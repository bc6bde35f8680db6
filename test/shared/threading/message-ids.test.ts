import { test } from 'node:test';
import assert from 'node:assert/strict';
import { asHeaderValue, MAX_REFERENCED_IDS, outgoingMessageId, referencedMessageIds } from '../../../shared/threading/message-ids';

test('an outgoing Message-ID is the same for the same outbox key (a redelivered send reuses it), different for another', () => {
  const a = outgoingMessageId('outbox-key-1', 'Support.Example.com');
  assert.match(a, /^mc\.[0-9a-f]{32}@support\.example\.com$/);
  assert.equal(outgoingMessageId('outbox-key-1', 'support.example.com'), a);
  assert.notEqual(outgoingMessageId('outbox-key-2', 'support.example.com'), a);
  assert.equal(asHeaderValue(a), `<${a}>`);
  for (const bad of ['', 'localhost', 'exa mple.com', 'a@b.com']) assert.throws(() => outgoingMessageId('k', bad), bad);
});

test('the ids a reply refers to: In-Reply-To first, then References from the parent back to the root, normalised, each once', () => {
  assert.deepEqual(
    referencedMessageIds({ inReplyTo: '<C@Example.COM>', references: '<root@example.com> <b@EXAMPLE.com>\r\n <C@example.com>' }),
    ['C@example.com', 'b@example.com', 'root@example.com'],
  );
  assert.deepEqual(referencedMessageIds({ inReplyTo: 'C@example.com', references: ['<root@example.com>', 'b@example.com'] }), ['C@example.com', 'b@example.com', 'root@example.com']);
  assert.deepEqual(referencedMessageIds({}), []);
});

test('a long References list keeps its nearest ids, at most 20; overlong ids are dropped', () => {
  const refs = Array.from({ length: 500 }, (_, i) => `<m${i}@example.com>`).join(' ');
  const ids = referencedMessageIds({ references: refs });
  assert.equal(ids.length, MAX_REFERENCED_IDS);
  assert.equal(ids[0], 'm499@example.com');
  assert.equal(ids[19], 'm480@example.com');
  assert.deepEqual(referencedMessageIds({ inReplyTo: `<${'x'.repeat(2000)}@example.com>`, references: '<ok@example.com>' }), ['ok@example.com']);
});
