import { test } from 'node:test';
import assert from 'node:assert/strict';
import { trustOf } from '../../../shared/threading/trust';
import type { ThreadCandidate } from '../../../shared/threading/thread-context';

const ticket = { id: 'T-1', participants: ['ann@example.com', 'cc@example.com', 'agent@example.com'] };
const token = (signature: 'valid' | 'invalid' | 'absent'): ThreadCandidate => ({ signal: 'token', ticketId: 'T-1', ticketChannelId: 'ch', signature, evidence: '[#T-000001]' });
const marker: ThreadCandidate = { signal: 'marker', ticketId: 'T-1', ticketChannelId: 'ch', signature: 'valid', evidence: '[ref:T-000001-x]' };
const mid: ThreadCandidate = { signal: 'messageId', ticketId: 'T-1', ticketChannelId: 'ch', direction: 'sent', evidence: 'm@x' };

// The "Trust" bullet, case by case.
const table: [name: string, sender: string | undefined, signals: ThreadCandidate[], trusted: boolean, code: string][] = [
  ['the requester, found by Message-ID', 'ann@example.com', [mid], true, 'SENDER_IS_PARTICIPANT'],
  ['a cc of the ticket, address in other case', 'CC@Example.COM', [token('absent')], true, 'SENDER_IS_PARTICIPANT'],
  ['an earlier note author', 'agent@example.com', [mid], true, 'SENDER_IS_PARTICIPANT'],
  ['a stranger with a valid signed token', 'stranger@example.org', [token('valid')], true, 'SIGNED_TOKEN'],
  ['a stranger quoting our signed marker', 'stranger@example.org', [marker], true, 'SIGNED_MARKER'],
  ['a stranger with a guessed unsigned token', 'stranger@example.org', [token('absent')], false, 'SENDER_NOT_PARTICIPANT'],
  ['a stranger with a forged signature', 'stranger@example.org', [token('invalid')], false, 'SENDER_NOT_PARTICIPANT'],
  ['a stranger with only a Message-ID', 'stranger@example.org', [mid], false, 'SENDER_NOT_PARTICIPANT'],
  ['no sender and no signature', undefined, [token('absent')], false, 'SENDER_MISSING'],
  ['no sender but a valid signed token', undefined, [token('valid')], true, 'SIGNED_TOKEN'],
];

for (const [name, sender, signals, trusted, code] of table) {
  test(`trust: ${name} → ${trusted ? 'trusted' : 'untrusted'} (${code})`, () => {
    const t = trustOf(ticket, { signals }, sender);
    assert.equal(t.trusted, trusted);
    assert.equal(t.code, code);
    assert.ok(t.reason.includes('T-1'), 'the reason names the ticket');
  });
}
