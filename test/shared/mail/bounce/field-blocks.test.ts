import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fieldBlocks, headerBlock, MAX_FIELD_LINES, MAX_FIELD_VALUE } from '../../../../shared/mail/bounce/field-blocks';
import { newWorkMeter } from '../../../../shared/mail/bounce/work-meter';

test('fields group by blank lines, continuation lines unfold into the field before, prose lines are skipped', () => {
  const blocks = fieldBlocks('Reporting-MTA: dns; mx\r\nnot a field\r\n\r\nFinal-Recipient: rfc822; a@b.example\r\nDiagnostic-Code: smtp; 550 5.1.1\r\n    user unknown\r\n', newWorkMeter());
  assert.deepEqual(blocks, [
    [{ name: 'reporting-mta', value: 'dns; mx' }],
    [{ name: 'final-recipient', value: 'rfc822; a@b.example' }, { name: 'diagnostic-code', value: 'smtp; 550 5.1.1 user unknown' }],
  ]);
});

test('a header block ends at its first blank line; a text that opens with one has no headers', () => {
  assert.deepEqual(headerBlock('Message-ID:\n <a@b.example>\nSubject: x\n\nMessage-ID: <body@b.example>', newWorkMeter()), [
    { name: 'message-id', value: '<a@b.example>' },
    { name: 'subject', value: 'x' },
  ]);
  assert.deepEqual(headerBlock('\nMessage-ID: <body@b.example>', newWorkMeter()), []);
});

test('hostile input stays bounded: a value folded over thousands of lines, and more lines than are read', () => {
  const m = newWorkMeter();
  const field = fieldBlocks(`X: a\n${' b\n'.repeat(50_000)}`, m)[0]?.[0];
  assert.ok(field && field.value.length <= MAX_FIELD_VALUE);
  const many = fieldBlocks('A: 1\n\n'.repeat(100_000), newWorkMeter());
  assert.ok(many.length <= MAX_FIELD_LINES);
});
