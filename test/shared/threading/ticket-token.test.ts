import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import {
  DEFAULT_TOKEN_FORMAT,
  findTokens,
  formatToken,
  subjectWithToken,
  TicketTokenFormat,
  tokenSignature,
  verifyToken,
} from '../../../shared/threading/ticket-token';

const key = Buffer.alloc(32, 7);
const otherKey = Buffer.alloc(32, 8);

test('the default token is [#T-000123-<8 base32 characters>]', () => {
  assert.match(formatToken(DEFAULT_TOKEN_FORMAT, 'ch-1', 123, key), /^\[#T-000123-[a-z2-7]{8}\]$/);
});

test('a token round-trips: formatted, found after any prefixes, verified', () => {
  const token = formatToken(DEFAULT_TOKEN_FORMAT, 'ch-1', 123, key);
  const [found, ...more] = findTokens(DEFAULT_TOKEN_FORMAT, `Re: AW: Fwd[2]: ${token} Printer on floor 3`);
  assert.equal(more.length, 0);
  assert.equal(found?.ticketNumber, 123);
  assert.equal(found?.text, token);
  assert.ok(verifyToken(found!, 'ch-1', [key]));
});

test('the channel format sets prefix and padding, and other formats are not read', () => {
  const format = TicketTokenFormat.parse({ prefix: 'INC', digits: 8 });
  const token = formatToken(format, 'ch-1', 42, key);
  assert.match(token, /^\[#INC00000042-[a-z2-7]{8}\]$/);
  assert.equal(findTokens(format, `Re: ${token}`)[0]?.ticketNumber, 42);
  assert.deepEqual(findTokens(DEFAULT_TOKEN_FORMAT, `Re: ${token}`), []);
  assert.throws(() => TicketTokenFormat.parse({ prefix: 'T-]' }));
  assert.throws(() => TicketTokenFormat.parse({ digits: 13 }));
});

test('a tampered token does not verify: another number, another signature, another channel, another key', () => {
  const [t] = findTokens(DEFAULT_TOKEN_FORMAT, formatToken(DEFAULT_TOKEN_FORMAT, 'ch-1', 123, key));
  assert.ok(t?.signature);
  assert.equal(verifyToken({ ...t, ticketNumber: 124 }, 'ch-1', [key]), false);
  const flipped = (t.signature[0] === 'a' ? 'b' : 'a') + t.signature.slice(1);
  assert.equal(verifyToken({ ...t, signature: flipped }, 'ch-1', [key]), false);
  assert.equal(verifyToken(t, 'ch-2', [key]), false, "a token of another channel's ticket never verifies here");
  assert.equal(verifyToken(t, 'ch-1', [otherKey]), false);
  assert.equal(verifyToken(t, 'ch-1', [otherKey, key]), true, 'a key kept from before a rotation still verifies');
});

test('a token without signature is recognised, unsigned, and never verifies', () => {
  const [t] = findTokens(DEFAULT_TOKEN_FORMAT, 'Re: [#T-000123] Printer');
  assert.deepEqual(t, { text: '[#T-000123]', index: 4, ticketNumber: 123 });
  assert.equal(verifyToken(t!, 'ch-1', [key]), false);
});

test('a subject re-cased by a gateway still verifies; look-alikes are not tokens', () => {
  const token = formatToken(DEFAULT_TOKEN_FORMAT, 'ch-1', 5, key).toUpperCase();
  const [t] = findTokens(DEFAULT_TOKEN_FORMAT, `RE: ${token}`);
  assert.ok(t && verifyToken(t, 'ch-1', [key]));
  for (const s of ['[T-000123]', '[#T-]', '[#T-12x]', '[#T-000123-abc]', '[#T-000123-ab3k9q2z', '[#T-0001234567890123]', '[#T-000123-ab1k9q2z]']) {
    assert.deepEqual(findTokens(DEFAULT_TOKEN_FORMAT, s), [], s);
  }
});

test('several tokens are all found, in order; the first is the newest (our mails put theirs first)', () => {
  const older = formatToken(DEFAULT_TOKEN_FORMAT, 'ch-1', 123, key);
  const subject = subjectWithToken(DEFAULT_TOKEN_FORMAT, `Fwd: ${older} Printer`, formatToken(DEFAULT_TOKEN_FORMAT, 'ch-1', 200, key));
  assert.deepEqual(findTokens(DEFAULT_TOKEN_FORMAT, subject).map((t) => t.ticketNumber), [200]);
  const both = `Re: [#T-000200] Fwd: ${older}`;
  assert.deepEqual(findTokens(DEFAULT_TOKEN_FORMAT, both).map((t) => t.ticketNumber), [200, 123]);
});

test('subjectWithToken puts the token first and drops older tokens of the format', () => {
  const token = formatToken(DEFAULT_TOKEN_FORMAT, 'ch-1', 9, key);
  assert.equal(subjectWithToken(DEFAULT_TOKEN_FORMAT, 'Printer  on [#T-000001] floor 3', token), `${token} Printer on floor 3`);
});

test('signatures are 40 bits of the MAC: 8 characters, different per ticket and per key', () => {
  const sigs = new Set<string>();
  for (let n = 0; n < 1000; n++) sigs.add(tokenSignature(key, 'ch-1', n));
  assert.equal(sigs.size, 1000);
  assert.notEqual(tokenSignature(randomBytes(32), 'ch-1', 1), tokenSignature(randomBytes(32), 'ch-1', 1));
});

// Sized so that re-reading from every "[" to the end (quadratic) would hit the test timeout.
test('hostile subjects are searched in linear work: a million open brackets and half-tokens', () => {
  assert.deepEqual(findTokens(DEFAULT_TOKEN_FORMAT, '[#'.repeat(500_000)), []);
  assert.deepEqual(findTokens(DEFAULT_TOKEN_FORMAT, `[#T-${'1'.repeat(1_000_000)}]`), []);
  const many = '[#T-000001] '.repeat(100_000);
  assert.equal(findTokens(DEFAULT_TOKEN_FORMAT, many).length, 100_000);
});
