import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addressesIn, addressOfValue } from '../../../../shared/mail/bounce/text-addresses';
import { newWorkMeter } from '../../../../shared/mail/bounce/work-meter';

test('addresses are found in prose, brackets, after labels and mailto:, their domain lower-cased', () => {
  const m = newWorkMeter();
  assert.deepEqual(
    addressesIn('<kijitora@Example.JP>: Unknown user: a.b+c@x.example.org. mailto:d@e.example<mailto:d@e.example>', m, 10).map((a) => a.address),
    ['kijitora@example.jp', 'a.b+c@x.example.org', 'd@e.example', 'd@e.example'],
    'a colon is no local-part character: mailto: stays out',
  );
  assert.equal(addressOfValue('rfc822; <jh1669@txstate.edu>', m), 'jh1669@txstate.edu');
  assert.equal(addressOfValue('rfc822;kijitora', m), undefined, 'no domain, no address');
  assert.deepEqual(addressesIn('x@y a@b.c', m, 10, 3).map((a) => a.address), ['a@b.c'], 'from an offset on');
});

test('hostile text is walked in linear work: every character at most twice', () => {
  const m = newWorkMeter();
  const text = `${'a@'.repeat(200_000)}${'b'.repeat(100_000)}@${'c.'.repeat(100_000)}`;
  addressesIn(text, m, Number.MAX_SAFE_INTEGER);
  assert.ok(m.chars <= 2 * text.length, `${m.chars} characters walked for ${text.length}`);
});
