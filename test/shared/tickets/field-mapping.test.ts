import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mapTicket, priorityOf, type MappableTemplate } from '../../../shared/tickets/field-mapping';
import { channelRecord, parsedMail } from '../../support/fixtures';

const template: MappableTemplate = {
  id: 'hw',
  fields: [
    { name: 'assetTag', type: 'string', required: true },
    { name: 'category', type: 'enum', required: false, options: ['Hardware', 'Software'] },
    { name: 'cost', type: 'number', required: false },
    { name: 'ticketRef', type: 'string', required: false },
  ],
};

test('priority follows X-Priority, Importance and Priority headers', () => {
  assert.equal(priorityOf({ 'x-priority': '1 (Highest)' }), 'high');
  assert.equal(priorityOf({ 'x-priority': '5' }), 'low');
  assert.equal(priorityOf({ importance: 'High' }), 'high');
  assert.equal(priorityOf({ priority: 'non-urgent' }), 'low');
  assert.equal(priorityOf({}), 'normal');
});

test('regex captures, headers and defaults fill template fields with the right types', () => {
  const channel = channelRecord({
    ticketMapping: {
      templateId: 'hw',
      whitelist: [],
      nonWhitelistedReply: 'reject',
      fields: [
        { field: 'assetTag', source: { kind: 'regex', on: 'body', pattern: 'asset[:\\s#]*(?<tag>[A-Z]{2}-\\d+)', flags: 'i', group: 'tag' } },
        { field: 'category', source: { kind: 'header', name: 'X-Category' }, default: 'Hardware' },
        { field: 'cost', source: { kind: 'regex', on: 'subject', pattern: '(\\d+[.,]\\d+) EUR', flags: 'i', group: 1 } },
        { field: 'ticketRef', source: { kind: 'mail', property: 'messageId' } },
      ],
    },
  });
  const mail = parsedMail({ subject: 'New dock 129,90 EUR', text: 'Please replace the dock of asset: NB-4711.', headers: { 'x-category': 'software' } });
  const r = mapTicket(channel, template, mail, '2026-11-02T10:00:00.000Z');
  assert.equal(r.ok, true);
  if (!r.ok) return;
  assert.deepEqual(r.ticket.fields, { assetTag: 'NB-4711', category: 'Software', cost: 129.9, ticketRef: 'abc@mail.example.org' });
  assert.equal(r.ticket.receivedAt, '2026-11-02T10:00:00.000Z');
});

test('an invalid enum value falls back to the default and says so', () => {
  const channel = channelRecord({
    ticketMapping: {
      templateId: 'hw', whitelist: [], nonWhitelistedReply: 'reject',
      fields: [
        { field: 'assetTag', source: { kind: 'mail', property: 'subject' } },
        { field: 'category', source: { kind: 'header', name: 'X-Category' }, default: 'Hardware' },
      ],
    },
  });
  const r = mapTicket(channel, template, parsedMail({ headers: { 'x-category': 'Furniture' } }), '2026-11-02T10:00:00.000Z');
  assert.equal(r.ok, true);
  if (!r.ok) return;
  assert.equal(r.ticket.fields.category, 'Hardware');
  assert.match(r.notes.join(' '), /Furniture/);
});

test('watchers are the other recipients, without the mailbox itself or the requester, each once', () => {
  const channel = channelRecord({ ticketMapping: { templateId: 'x', whitelist: [], fields: [], nonWhitelistedReply: 'reject' } });
  const mail = parsedMail({
    to: [{ address: 'desk@example.com', name: '' }, { address: 'bob@example.org', name: 'Bob' }],
    cc: [{ address: 'BOB@example.org', name: '' }, { address: 'alice@example.org', name: '' }, { address: 'carol@example.org', name: '' }],
  });
  const r = mapTicket(channel, { id: 'x', fields: [] }, mail, '2026-11-02T10:00:00.000Z');
  assert.equal(r.ok, true);
  if (r.ok) assert.deepEqual(r.ticket.watchers.map((w) => w.address), ['bob@example.org', 'carol@example.org']);
});

test('a regex mapping runs on RE2: (a+)+$ on a 50 KB subject maps nothing instead of hanging the worker', { timeout: 60_000 }, () => {
  const channel = channelRecord({
    ticketMapping: { templateId: 'hw', whitelist: [], nonWhitelistedReply: 'reject', fields: [{ field: 'ticketRef', source: { kind: 'regex', on: 'subject', pattern: '(a+)+$', flags: 'i', group: 1 } }, { field: 'assetTag', source: { kind: 'mail', property: 'messageId' } }] },
  });
  // On V8's engine this is ~2^50000 steps (27 a's took 3 s); RE2 is linear in the subject.
  const r = mapTicket(channel, template, parsedMail({ subject: `${'a'.repeat(50_000)}!` }), '2026-11-02T10:00:00.000Z');
  assert.equal(r.ok, true);
  if (r.ok) assert.equal(r.ticket.fields.ticketRef, undefined);
});

test('a stored regex mapping RE2 cannot run is a FIELD_MAPPING_INVALID result naming the mapping, not an exception', () => {
  // Stored before patterns were checked on RE2: the schema of stored channels still loads it.
  const channel = channelRecord({
    ticketMapping: { templateId: 'hw', whitelist: [], nonWhitelistedReply: 'reject', fields: [{ field: 'assetTag', source: { kind: 'mail', property: 'subject' } }, { field: 'ticketRef', source: { kind: 'regex', on: 'body', pattern: 'ref (?=\\d)', flags: 'iu', group: 0 } }] },
  });
  const r = mapTicket(channel, template, parsedMail(), '2026-11-02T10:00:00.000Z');
  assert.equal(r.ok, false);
  if (r.ok) return;
  assert.equal(r.code, 'FIELD_MAPPING_INVALID');
  assert.match(r.reason, /ticketMapping\.fields\.1\.source/);
  assert.match(r.reason, /"ticketRef"/);
  assert.match(r.reason, /lookahead/);
});
