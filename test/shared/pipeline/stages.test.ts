import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decide, targetFolder } from '../../../shared/pipeline/decide';
import { domainAllowed } from '../../../shared/pipeline/domain-match';
import type { MappableTemplate } from '../../../shared/tickets/field-mapping';
import { channelRecord, parsedMail } from '../../support/fixtures';

const template: MappableTemplate = {
  id: 'it-support',
  fields: [
    { name: 'category', type: 'enum', required: false, options: ['Hardware', 'Software'] },
    { name: 'assetTag', type: 'string', required: false },
  ],
};
const human = { kind: 'human' as const, reasons: [], noAutoResponse: false };
const base = { folder: 'Inbox', template, receivedAt: '2026-11-02T10:00:00.000Z', classification: human };

test('allowed domains match exact names and *.sub wildcards, case-insensitively', () => {
  assert.equal(domainAllowed('Example.COM', ['example.com']), true);
  assert.equal(domainAllowed('eu.example.com', ['*.example.com']), true);
  assert.equal(domainAllowed('example.com', ['*.example.com']), false, 'a wildcard covers sub-domains only');
  assert.equal(domainAllowed('badexample.com', ['*.example.com']), false);
  assert.equal(domainAllowed('anything.net', []), true, 'empty list allows all');
});

test('a new mail from an allowed sender becomes a ticket that goes to the success folder', () => {
  const channel = channelRecord({ domains: { allowed: ['example.org'], excludeAutoReplies: true, acceptNotifications: false } });
  const d = decide({ ...base, channel, mail: parsedMail() });
  assert.equal(d.action, 'createTicket');
  assert.equal(targetFolder(d, channel.folders), 'Processed');
  if (d.action !== 'createTicket') return;
  assert.equal(d.ticket.title, 'Printer on floor 3 is jammed');
  assert.equal(d.ticket.requester.address, 'alice@example.org');
  assert.deepEqual(d.stages.map((s) => s.stage), ['exclusion-folder', 'own-mail-bounce', 'sender-domain', 'machine-mail', 'field-mapping', 'attachment-policy', 'auto-response']);
  assert.deepEqual(d.answers, [{ purpose: 'autoResponse', send: true, to: { address: 'alice@example.org', name: 'Alice' } }]);
});

test('a sender outside the allowed domains is rejected to the fail folder with the reason', () => {
  const channel = channelRecord({ domains: { allowed: ['*.contoso.com'], excludeAutoReplies: true, acceptNotifications: false } });
  const d = decide({ ...base, channel, mail: parsedMail({ from: { address: 'mallory@evil.test', name: '' } }) });
  assert.equal(d.action, 'reject');
  if (d.action !== 'reject') return;
  assert.equal(d.code, 'SENDER_DOMAIN_NOT_ALLOWED');
  assert.match(d.reason, /evil\.test/);
  assert.equal(targetFolder(d, channel.folders), 'Failed');
});

test('mail in the exclusion folder is left untouched', () => {
  const channel = channelRecord({ folders: { read: ['Inbox', 'Private'], success: 'Processed', fail: 'Failed', exclusion: 'Private' } });
  const d = decide({ ...base, channel, mail: parsedMail(), folder: 'private' });
  assert.equal(d.action, 'leave');
  assert.equal(targetFolder(d, channel.folders), undefined);
});

test('an auto-reply makes no ticket and is filed as ignored; our own looped mail is ignored even when auto-replies are accepted', () => {
  const channel = channelRecord();
  const auto = decide({ ...base, channel, mail: parsedMail(), classification: { kind: 'auto-reply', reasons: ['Auto-Submitted: auto-replied'], noAutoResponse: true } });
  assert.equal(auto.action, 'ignore');
  assert.equal(targetFolder(auto, channel.folders), 'Processed');
  const lenient = channelRecord({ domains: { allowed: [], excludeAutoReplies: false, acceptNotifications: false } });
  assert.equal(decide({ ...base, channel: lenient, mail: parsedMail(), classification: { kind: 'auto-reply', reasons: ['x'], noAutoResponse: true } }).action, 'createTicket');
  assert.equal(decide({ ...base, channel: lenient, mail: parsedMail(), classification: { kind: 'loop', reasons: ['x'], noAutoResponse: true } }).action, 'ignore');
});

test('a required template field with no value and no default is a permanent rejection that names the field', () => {
  const channel = channelRecord();
  const strict: MappableTemplate = { id: 'hw', fields: [{ name: 'assetTag', type: 'string', required: true }] };
  const d = decide({ ...base, channel, mail: parsedMail(), template: strict });
  assert.equal(d.action, 'reject');
  if (d.action === 'reject') {
    assert.equal(d.code, 'REQUIRED_FIELD_MISSING');
    assert.match(d.reason, /assetTag/);
  }
});

test('a missing template is a rejection, not a crash', () => {
  const d = decide({ ...base, channel: channelRecord(), mail: parsedMail(), template: undefined });
  assert.equal(d.action, 'reject');
  if (d.action === 'reject') assert.equal(d.code, 'TEMPLATE_MISSING');
});

test('blocked and oversized attachments are kept on the ticket with a reason, not dropped', () => {
  const mail = parsedMail({
    attachments: [
      { filename: 'invoice.pdf', contentType: 'application/pdf', size: 1000, inline: false, sha256: 'a'.repeat(64) },
      { filename: 'setup.exe', contentType: 'application/octet-stream', size: 1000, inline: false, sha256: 'b'.repeat(64) },
      { filename: 'huge.zip', contentType: 'application/zip', size: 30 * 1024 * 1024, inline: false, sha256: 'c'.repeat(64) },
    ],
  });
  const d = decide({ ...base, channel: channelRecord(), mail });
  assert.equal(d.action, 'createTicket');
  if (d.action !== 'createTicket') return;
  assert.equal(d.ticket.attachments.length, 3);
  assert.equal(d.ticket.attachments[0]?.blocked, undefined);
  assert.match(d.ticket.attachments[1]?.blocked ?? '', /\.exe/);
  assert.match(d.ticket.attachments[2]?.blocked ?? '', /larger than 25 MB/);
});

test('a field mapping that cannot run is a permanent rejection with its reason, decided once (no retry loop)', () => {
  const channel = channelRecord({
    ticketMapping: { templateId: 'it-support', whitelist: [], nonWhitelistedReply: 'reject', fields: [{ field: 'assetTag', source: { kind: 'regex', on: 'subject', pattern: '\\p{Foo}', flags: 'iu', group: 0 } }] },
  });
  const d = decide({ ...base, channel, mail: parsedMail() });
  assert.equal(d.action, 'reject');
  if (d.action !== 'reject') return;
  assert.equal(d.code, 'FIELD_MAPPING_INVALID');
  assert.match(d.reason, /ticketMapping\.fields\.0\.source .*"assetTag".*\\p\{Foo\}/);
  assert.equal(targetFolder(d, channel.folders), 'Failed');
  assert.deepEqual(d.stages.at(-1), { stage: 'field-mapping', result: { verdict: 'reject', code: 'FIELD_MAPPING_INVALID', reason: d.reason } });
});

test('a notification (Auto-Submitted: auto-generated) is ignored by default, with its own reason code', () => {
  const notification = { kind: 'notification' as const, reasons: ['notification: Auto-Submitted: auto-generated (RFC 3834: generated by a system)'], noAutoResponse: true };
  const d = decide({ ...base, channel: channelRecord(), mail: parsedMail(), classification: notification });
  assert.equal(d.action, 'ignore');
  if (d.action === 'ignore') {
    assert.equal(d.code, 'NOTIFICATION');
    assert.match(d.reason, /Auto-Submitted: auto-generated/);
  }
});

test('a channel that accepts notifications makes a ticket of a monitoring alert, and the decision records that it is never auto-answered', () => {
  const channel = channelRecord({ domains: { allowed: [], excludeAutoReplies: true, acceptNotifications: true } });
  const notification = { kind: 'notification' as const, reasons: ['notification: X-Amz-Sns-Message-Id (Amazon SNS notification)'], noAutoResponse: true };
  const d = decide({ ...base, channel, mail: parsedMail(), classification: notification });
  assert.equal(d.action, 'createTicket');
  const stage = d.stages.find((s) => s.stage === 'machine-mail');
  assert.equal(stage?.result.verdict, 'continue');
  if (stage?.result.verdict === 'continue') assert.match(stage.result.note ?? '', /notification accepted as a ticket .*never auto-answered: .*Amazon SNS/);
});

test('accepting notifications accepts nothing else: bounces, reports, auto-replies, list mail and loops stay ignored', () => {
  const channel = channelRecord({ domains: { allowed: [], excludeAutoReplies: true, acceptNotifications: true } });
  const codes = { bounce: 'BOUNCE', report: 'MAIL_REPORT', 'auto-reply': 'AUTO_REPLY', list: 'MAILING_LIST', loop: 'LOOP' } as const;
  for (const [kind, code] of Object.entries(codes) as [keyof typeof codes, string][]) {
    const d = decide({ ...base, channel, mail: parsedMail(), classification: { kind, reasons: ['x'], noAutoResponse: true } });
    assert.equal(d.action, 'ignore', kind);
    if (d.action === 'ignore') assert.equal(d.code, code, kind);
  }
});

test('a person\'s mail that asks not to be auto-answered still becomes a ticket, and the decision says why no auto-response goes', () => {
  const c = { kind: 'human' as const, reasons: ['no auto-response: X-Auto-Response-Suppress: All asks not to answer it automatically'], noAutoResponse: true };
  const d = decide({ ...base, channel: channelRecord(), mail: parsedMail(), classification: c });
  assert.equal(d.action, 'createTicket');
  const stage = d.stages.find((s) => s.stage === 'machine-mail');
  if (stage?.result.verdict === 'continue') assert.match(stage.result.note ?? '', /no auto-response: .*X-Auto-Response-Suppress/);
  else assert.fail('the machine-mail stage continues');
});
