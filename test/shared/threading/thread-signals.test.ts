import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isChildConversationIndex, MAX_MARKERS, MAX_TOKENS, threadSignals } from '../../../shared/threading/thread-signals';
import { DEFAULT_TOKEN_FORMAT, formatToken, tokenRef } from '../../../shared/threading/ticket-token';
import { embedMarker } from '../../../shared/threading/thread-marker';

const key = Buffer.alloc(32, 1);

test('the signals of a reply: its token after the prefixes, the marker of the quoted mail, the ids it refers to, its conversation', () => {
  const ours = embedMarker(undefined, 'We got it.', tokenRef(DEFAULT_TOKEN_FORMAT, 'ch-1', 12, key));
  const s = threadSignals(
    {
      subject: `AW: ${formatToken(DEFAULT_TOKEN_FORMAT, 'ch-1', 12, key)} Printer`,
      text: `Still broken.\n> ${ours.text}`,
      inReplyTo: 'mc.1@support.example.com',
      references: ['root@example.org', 'mc.1@support.example.com'],
      conversationId: 'AAQk',
    },
    DEFAULT_TOKEN_FORMAT,
  );
  assert.deepEqual(s.tokens.map((t) => t.ticketNumber), [12]);
  assert.deepEqual(s.markers.map((m) => m.ticketNumber), [12]);
  assert.deepEqual(s.messageIds, ['mc.1@support.example.com', 'root@example.org']);
  assert.equal(s.conversationId, 'AAQk');
  assert.equal(s.prefixKind, 'reply');
});

test('a mail with nothing to follow has empty signals', () => {
  assert.deepEqual(threadSignals({ subject: 'Printer' }, DEFAULT_TOKEN_FORMAT), { tokens: [], markers: [], messageIds: [], prefixKind: undefined });
});

test('a hostile mail costs a bounded number of lookups: 10,000 tokens and markers give 3 of each, 500 References give 20', () => {
  const marker = (n: number) => `[ref:${tokenRef(DEFAULT_TOKEN_FORMAT, 'ch-1', n, key)}]`;
  const s = threadSignals(
    {
      subject: Array.from({ length: 10_000 }, (_, i) => `[#T-${i + 1}]`).join(' '),
      html: Array.from({ length: 10_000 }, (_, i) => marker(i + 1)).join(''),
      references: Array.from({ length: 500 }, (_, i) => `<m${i}@example.com>`).join(' '),
    },
    DEFAULT_TOKEN_FORMAT,
  );
  assert.equal(s.tokens.length, MAX_TOKENS);
  assert.equal(s.markers.length, MAX_MARKERS);
  assert.equal(s.messageIds.length, 20);
});

/** Outlook's Thread-Index: a 22-byte header block (1, a 5-byte time, a GUID), then 5 bytes per reply or forward. */
const rootIndex = Buffer.concat([Buffer.from([1, 0xd9, 0x1a, 0x2b, 0x3c, 0x4d]), Buffer.alloc(16, 7)]);
const childIndex = Buffer.concat([rootIndex, Buffer.from([0, 0, 1, 2, 3])]);

test("a Graph mail's conversation is a signal only when the mail continues one: it names Message-IDs, has a reply or forward prefix, or a child's Thread-Index", () => {
  const signal = (mail: Parameters<typeof threadSignals>[0]) => threadSignals({ conversationId: 'AAQkConv', ...mail }, DEFAULT_TOKEN_FORMAT).conversationId;
  assert.equal(signal({ subject: 'Printer' }), undefined, 'a new mail: only the subject could tie it to a conversation');
  assert.equal(signal({ subject: 'Printer', headers: { 'thread-index': rootIndex.toString('base64') } }), undefined, "Outlook's new mail: the index is a header block alone");
  assert.equal(signal({ subject: 'Printer', headers: { 'thread-index': childIndex.toString('base64') } }), 'AAQkConv', "a reply whose subject was rewritten: the index is a child's");
  assert.equal(signal({ subject: 'RE: Printer' }), 'AAQkConv');
  assert.equal(signal({ subject: 'WG: Printer' }), 'AAQkConv', 'a forward');
  assert.equal(signal({ subject: 'Printer', inReplyTo: '<a@example.org>' }), 'AAQkConv');
});

test('a Thread-Index is read by its length only, of a bounded prefix: garbage or a megabyte of it is no child', () => {
  assert.equal(isChildConversationIndex(undefined), false);
  assert.equal(isChildConversationIndex(''), false);
  assert.equal(isChildConversationIndex('not base64 at all!'), false);
  assert.equal(isChildConversationIndex(` ${childIndex.toString('base64')}\r\n`), true, 'folded header whitespace');
  assert.equal(isChildConversationIndex('A'.repeat(1_000_000)), true, 'long: a deep reply chain, read from 256 characters');
});
