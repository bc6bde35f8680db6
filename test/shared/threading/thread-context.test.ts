import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chooseTicket, participantsOf, ThreadCandidate, ThreadContext } from '../../../shared/threading/thread-context';

const CH = 'ch-1';
const signed = (ticketId: string, ticketChannelId: string | null = CH): ThreadCandidate => ({ signal: 'token', ticketId, ticketChannelId: ticketChannelId ?? undefined, signature: 'valid', evidence: `[#${ticketId}-sig]` });
const unsigned = (ticketId: string): ThreadCandidate => ({ signal: 'token', ticketId, ticketChannelId: CH, signature: 'absent', evidence: `[#${ticketId}]` });
const forged = (ticketId: string): ThreadCandidate => ({ signal: 'token', ticketId, ticketChannelId: CH, signature: 'invalid', evidence: `[#${ticketId}-bad]` });
const mid = (ticketId: string): ThreadCandidate => ({ signal: 'messageId', ticketId, ticketChannelId: CH, direction: 'sent', evidence: `mc.${ticketId}@example.com` });
const marker = (ticketId: string, signature: 'valid' | 'invalid' = 'valid'): ThreadCandidate => ({ signal: 'marker', ticketId, ticketChannelId: CH, signature, evidence: `[ref:${ticketId}]` });
const conv = (ticketId: string): ThreadCandidate => ({ signal: 'conversationId', ticketId, ticketChannelId: CH, evidence: 'AAQkAD' });

const table: [name: string, candidates: ThreadCandidate[], chosen: string | undefined, setAside: string[]][] = [
  ['no candidate: no ticket', [], undefined, []],
  ['a signed token beats a Message-ID', [mid('B'), signed('A')], 'A', ['OUTRANKED']],
  ['a Message-ID beats a marker', [marker('B'), mid('A')], 'A', ['OUTRANKED']],
  ['a marker beats a conversationId', [conv('B'), marker('A')], 'A', ['OUTRANKED']],
  ['a conversationId beats an unsigned token', [unsigned('B'), conv('A')], 'A', ['OUTRANKED']],
  ['a token with a forged signature ranks like an unsigned one', [forged('B'), conv('A')], 'A', ['OUTRANKED']],
  ['an unsigned token alone is still a candidate', [unsigned('A')], 'A', []],
  ['equal rank: the first found wins (the first token of the subject)', [unsigned('A'), unsigned('B')], 'A', ['OUTRANKED']],
  ["a token of another channel's ticket is never attached, even signed", [signed('X', 'ch-2')], undefined, ['OTHER_CHANNEL_TICKET']],
  ["another channel's ticket is set aside and the next candidate stands", [signed('X', 'ch-2'), mid('A')], 'A', ['OTHER_CHANNEL_TICKET']],
  ['a ticket of no channel (made by the API) is never attached', [signed('X', null)], undefined, ['OTHER_CHANNEL_TICKET']],
  ['a marker with a signature that is not ours is set aside', [marker('A', 'invalid')], undefined, ['MARKER_SIGNATURE_INVALID']],
];

for (const [name, candidates, chosen, setAside] of table) {
  test(`chooseTicket: ${name}`, () => {
    const choice = chooseTicket(candidates.map((c) => ThreadCandidate.parse(c)), CH);
    assert.equal(choice.ticketId, chosen);
    assert.deepEqual(choice.setAside.map((s) => s.code), setAside);
    for (const s of choice.setAside) assert.ok(s.reason.includes(s.candidate.ticketId), 'each reason names the ticket');
  });
}

test('chooseTicket lists every signal naming the chosen ticket, strongest first', () => {
  const choice = chooseTicket([conv('A'), unsigned('A'), mid('A'), signed('A')], CH);
  assert.deepEqual(choice.signals.map((s) => s.signal), ['token', 'messageId', 'conversationId', 'token']);
  assert.equal(choice.signals[0]?.signal === 'token' && choice.signals[0].signature, 'valid');
});

test('the thread context is data: it parses, and a candidate without a ticket does not', () => {
  const candidates = [mid('A')];
  const ctx = ThreadContext.parse({
    candidates,
    choice: chooseTicket(candidates, CH),
    ticket: { id: 'A', channelId: CH, templateId: 'tpl', status: 'open', participants: ['a@example.com'] },
  });
  assert.equal(ctx.choice.ticketId, 'A');
  assert.throws(() => ThreadCandidate.parse({ signal: 'messageId', ticketId: '', direction: 'sent', evidence: 'x' }));
});

test('participants are the requester, the watchers (cc) and the mail-note authors kept on the ticket, lower-cased, each once', () => {
  const people = participantsOf({
    requester: { email: 'Ann@Example.com' },
    watchers: [{ email: 'cc@example.com' }, { email: 'ann@example.com' }],
    participants: ['Agent@Example.com'],
  });
  assert.deepEqual(people, ['ann@example.com', 'cc@example.com', 'agent@example.com']);
});
