import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_MARKERS, MAX_TOKENS, threadSignals } from '../../../shared/threading/thread-signals';
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
