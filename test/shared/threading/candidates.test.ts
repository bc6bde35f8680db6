import { test } from 'node:test';
import assert from 'node:assert/strict';
import { conversationCandidate, markerCandidate, messageIdCandidate, tokenCandidate } from '../../../shared/threading/candidates';
import { DEFAULT_TOKEN_FORMAT, findTokens, formatToken, tokenRef } from '../../../shared/threading/ticket-token';
import { embedMarker, findMarkers } from '../../../shared/threading/thread-marker';
import { chooseTicket } from '../../../shared/threading/thread-context';

const key = Buffer.alloc(32, 2);
const at = '2026-12-06T10:00:00.000Z';

test('our signed token names its ticket as a valid candidate; an unsigned one as absent; a number naming no ticket is none', () => {
  const [signed] = findTokens(DEFAULT_TOKEN_FORMAT, `Re: ${formatToken(DEFAULT_TOKEN_FORMAT, 'ch-1', 5, key)}`);
  const ticket = { ticketId: 'T-5', ticketChannelId: 'ch-1' };
  assert.deepEqual(tokenCandidate(signed!, ticket, 'ch-1', [key]), { signal: 'token', ticketId: 'T-5', ticketChannelId: 'ch-1', signature: 'valid', evidence: signed!.text });
  const [bare] = findTokens(DEFAULT_TOKEN_FORMAT, 'Re: [#T-000005]');
  const unsigned = tokenCandidate(bare!, ticket, 'ch-1', [key]);
  assert.equal(unsigned?.signal === 'token' && unsigned.signature, 'absent');
  assert.equal(tokenCandidate(signed!, undefined, 'ch-1', [key]), undefined);
});

test("a token made for another channel arrives here: invalid signature, its number names the other channel's ticket, never attached", () => {
  const [stray] = findTokens(DEFAULT_TOKEN_FORMAT, formatToken(DEFAULT_TOKEN_FORMAT, 'ch-2', 7, key));
  const candidate = tokenCandidate(stray!, { ticketId: 'T-7', ticketChannelId: 'ch-2' }, 'ch-1', [key])!;
  assert.equal(candidate.signal === 'token' && candidate.signature, 'invalid');
  const choice = chooseTicket([candidate], 'ch-1');
  assert.equal(choice.ticketId, undefined);
  assert.equal(choice.setAside[0]?.code, 'OTHER_CHANNEL_TICKET');
});

test('markers verify against the receiving channel; index entries become Message-ID and conversation candidates of the channel', () => {
  const ours = embedMarker(undefined, 'x', tokenRef(DEFAULT_TOKEN_FORMAT, 'ch-1', 9, key));
  const [m] = findMarkers(DEFAULT_TOKEN_FORMAT, undefined, ours.text);
  const ticket = { ticketId: 'T-9', ticketChannelId: 'ch-1' };
  const here = markerCandidate(DEFAULT_TOKEN_FORMAT, m!, ticket, 'ch-1', [key]);
  assert.equal(here?.signal === 'marker' && here.signature, 'valid');
  const elsewhere = markerCandidate(DEFAULT_TOKEN_FORMAT, m!, ticket, 'ch-3', [key]);
  assert.equal(elsewhere?.signal === 'marker' && elsewhere.signature, 'invalid');
  assert.equal(markerCandidate(DEFAULT_TOKEN_FORMAT, m!, undefined, 'ch-1', [key]), undefined);

  assert.deepEqual(messageIdCandidate({ id: 'h', channelId: 'ch-1', type: 'messageId', key: 'mc.1@x.com', ticketId: 'T-9', kind: 'sent', at }), {
    signal: 'messageId', ticketId: 'T-9', ticketChannelId: 'ch-1', direction: 'sent', evidence: 'mc.1@x.com',
  });
  assert.deepEqual(conversationCandidate({ id: 'h', channelId: 'ch-1', type: 'conversationId', key: 'AAQk', ticketId: 'T-9', at }), {
    signal: 'conversationId', ticketId: 'T-9', ticketChannelId: 'ch-1', evidence: 'AAQk',
  });
});
