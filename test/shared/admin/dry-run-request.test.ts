import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DryRunRequest, fieldMappingPreview, MAX_PREVIEW_CHARS } from '../../../shared/admin/dry-run-request';
import type { MappableTemplate } from '../../../shared/tickets/field-mapping';
import { channelRecord, parsedMail } from '../../support/fixtures';

const template: MappableTemplate = {
  id: 'orders',
  fields: [
    { name: 'orderNumber', type: 'string', required: true },
    { name: 'quantity', type: 'number', required: false },
    { name: 'notes', type: 'text', required: false },
  ],
};

function channelWith(fields: unknown[]) {
  return channelRecord({ ticketMapping: { templateId: 'orders', whitelist: [], nonWhitelistedReply: 'reject', fields } as never });
}

test('each field mapping row shows what it captures and the value the ticket field gets, even where the ticket would not be made', () => {
  const channel = channelWith([
    { field: 'orderNumber', source: { kind: 'regex', on: 'subject', pattern: 'order #?(\\d+)', flags: 'i', group: 1 } },
    { field: 'quantity', source: { kind: 'regex', on: 'body', pattern: 'qty (\\w+)', flags: 'i', group: 1 } },
    { field: 'quantity', source: { kind: 'header', name: 'X-Qty' }, default: '1' },
    { field: 'notes', source: { kind: 'header', name: 'X-None' } },
    { field: 'costCenter', source: { kind: 'mail', property: 'from' } },
  ]);
  const rows = fieldMappingPreview(channel, template, parsedMail({ subject: 'Order #4711 late', text: 'qty many' }));
  assert.deepEqual(rows, [
    { index: 0, field: 'orderNumber', status: 'value', value: '4711', captured: '4711', defaultUsed: false },
    { index: 1, field: 'quantity', status: 'invalid', captured: 'many', message: '"many" is not a number' },
    { index: 2, field: 'quantity', status: 'value', value: 1, defaultUsed: true },
    { index: 3, field: 'notes', status: 'empty', message: 'the mail has no value for this source, and the row has no default' },
    { index: 4, field: 'costCenter', status: 'notInTemplate', message: 'mapping for "costCenter" skipped: the template has no such field' },
  ]);
});

test('a stored pattern RE2 refuses is shown as unusable at its row, and a missing template at every row', () => {
  const channel = channelWith([{ field: 'orderNumber', source: { kind: 'regex', on: 'subject', pattern: '(?<=order )\\d+', flags: 'i', group: 0 } }]);
  const [row] = fieldMappingPreview(channel, template, parsedMail({ subject: 'order 1' }));
  assert.equal(row?.status, 'unusable');
  assert.match(row?.message ?? '', /ticketMapping\.fields\.0\.source .*look/i);
  assert.equal(fieldMappingPreview(channel, undefined, parsedMail({ subject: 'order 1' }))[0]?.status, 'noTemplate');
});

test('a long captured text is clipped in the preview', () => {
  const channel = channelWith([{ field: 'notes', source: { kind: 'mail', property: 'text' } }]);
  const [row] = fieldMappingPreview(channel, template, parsedMail({ text: 'x'.repeat(MAX_PREVIEW_CHARS * 3) }));
  assert.equal(row?.captured?.length, MAX_PREVIEW_CHARS + 1);
  assert.equal(typeof row?.value === 'string' ? row.value.length : 0, MAX_PREVIEW_CHARS + 1);
});

test('the JSON dry-run request names exactly one sample mail and takes an optional patch object', () => {
  assert.equal(DryRunRequest.safeParse({ mail: { text: 'Subject: x\r\n\r\nx' } }).success, true);
  assert.equal(DryRunRequest.safeParse({ mail: { storedKey: 'k1' }, patch: { domains: { allowed: ['example.org'] } } }).success, true);
  assert.equal(DryRunRequest.safeParse({ mail: { base64: 'U3ViamVjdDogeA==' } }).success, true);
  assert.equal(DryRunRequest.safeParse({ mail: { base64: 'not base64!' } }).success, false);
  assert.equal(DryRunRequest.safeParse({ mail: { text: 'a', storedKey: 'k' } }).success, false, 'one source only');
  assert.equal(DryRunRequest.safeParse({ mail: { text: 'a' }, patch: [] }).success, false);
  assert.equal(DryRunRequest.safeParse({}).success, false);
});
