import { test } from 'node:test';
import assert from 'node:assert/strict';
import { emptyRow, mappingsOfRows, rowOfIssue, rowsFromJson, rowsToJson } from '../../admin-ui/src/field-mapping-rows';
import { impactHeadline, outcomeChangeLines, verdictText } from '../../admin-ui/src/impact-summary';
import { FieldMapping } from '../../shared/config/channel';

const stored = [
  { field: 'orderNumber', source: { kind: 'regex', on: 'subject', pattern: 'order #?(?<n>\\d+)', flags: 'i', group: 'n' } },
  { field: 'details', source: { kind: 'mail', property: 'text' }, default: '-' },
  { field: 'affectedSystem', source: { kind: 'header', name: 'X-System' } },
  { field: 'category', source: { kind: 'regex', on: 'body', pattern: 'cat: (\\w+)', flags: 'im', group: 1 } },
];

test('a stored field mapping shown as rows and not edited is the same JSON again (no false "unsaved changes")', () => {
  const text = JSON.stringify(stored.map((m) => FieldMapping.parse(m)), null, 2);
  const rows = rowsFromJson(text);
  assert.ok(rows);
  assert.equal(rows.length, 4);
  assert.equal(rows[0]?.group, 'n');
  assert.equal(rows[2]?.header, 'X-System');
  assert.equal(rowsToJson(rows), text);
});

test('rows become the API mapping: digits are a group number, a name stays a name, an empty default is left out', () => {
  const row = { ...emptyRow(), field: ' orderNumber ', pattern: 'PO-(\\d+)', group: '1' };
  assert.deepEqual(mappingsOfRows([row, { ...row, group: 'po' }, { ...row, group: '' }]), [
    { field: 'orderNumber', source: { kind: 'regex', on: 'subject', pattern: 'PO-(\\d+)', flags: 'i', group: 1 } },
    { field: 'orderNumber', source: { kind: 'regex', on: 'subject', pattern: 'PO-(\\d+)', flags: 'i', group: 'po' } },
    { field: 'orderNumber', source: { kind: 'regex', on: 'subject', pattern: 'PO-(\\d+)', flags: 'i', group: 1 } },
  ]);
  assert.deepEqual(mappingsOfRows([{ ...emptyRow(), field: 'x', kind: 'mail', property: 'from', default: 'n/a' }]), [{ field: 'x', source: { kind: 'mail', property: 'from' }, default: 'n/a' }]);
});

test('text that is not a list of mappings gives no rows (the editor keeps it as it is)', () => {
  assert.equal(rowsFromJson('{'), undefined);
  assert.equal(rowsFromJson('{"field": "x"}'), undefined);
  assert.deepEqual(rowsFromJson(''), []);
});

test('an API issue path names the row and the input it is about', () => {
  assert.deepEqual(rowOfIssue('ticketMapping.fields.2.source.pattern'), { index: 2, part: 'pattern' });
  assert.deepEqual(rowOfIssue('ticketMapping.fields.0.source.name'), { index: 0, part: 'header' });
  assert.deepEqual(rowOfIssue('ticketMapping.fields.1.field'), { index: 1, part: 'field' });
  assert.deepEqual(rowOfIssue('ticketMapping.fields.1.source'), { index: 1, part: 'row' });
  assert.equal(rowOfIssue('ticketMapping.templateId'), undefined);
  assert.equal(rowOfIssue('ticketMapping.fields'), undefined);
});

test('the impact preview says when there is no history, when nothing changes, and how many would', () => {
  const summary = (compared: number, changed: number) => ({ compared, changed, outcomeChanges: changed ? [{ from: 'created' as const, to: 'rejected' as const, count: changed }] : [] });
  assert.match(impactHeadline({ summary: summary(0, 0), skipped: [] }), /no stored mail yet/);
  assert.match(impactHeadline({ summary: summary(0, 0), skipped: [{ key: 'k', reason: 'gone' }] }), /originals of 1 mail are no longer stored/);
  assert.equal(impactHeadline({ summary: summary(3, 0), skipped: [] }), 'None of the last 3 mails would be decided differently.');
  assert.equal(impactHeadline({ summary: summary(3, 2), skipped: [] }), '2 of the last 3 mails would be decided differently.');
  assert.deepEqual(outcomeChangeLines({ summary: summary(3, 1) }), ['created → rejected: 1 mail']);
  assert.equal(verdictText({ outcome: 'rejected', reasonCode: 'SENDER_DOMAIN_NOT_ALLOWED' }), 'rejected (SENDER_DOMAIN_NOT_ALLOWED)');
  assert.equal(verdictText({ outcome: 'created' }), 'created');
});
