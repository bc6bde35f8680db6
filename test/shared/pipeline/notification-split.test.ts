import assert from 'node:assert/strict';
import { test } from 'node:test';
import { classifyMail, classifyOptions } from '../../../shared/mail/classify';
import { parseMail } from '../../../shared/mail/parse';
import { decide } from '../../../shared/pipeline/decide';
import type { MappableTemplate } from '../../../shared/tickets/field-mapping';
import { channelRecord } from '../../support/fixtures';

/**
 * Issue 7's split policy, from raw bytes to the decision: a system's generated
 * notification (`Auto-Submitted: auto-generated`, a monitoring alert) may become a ticket
 * when the channel accepts notifications, and never gets an auto-response; a generated
 * bounce stays ignored either way.
 */
const template: MappableTemplate = { id: 'it-support', fields: [] };

const alert = Buffer.from(
  [
    'From: Monitoring <alerts@monitoring.example.org>',
    'To: desk@example.com',
    'Subject: [FIRING:1] DiskFull on db-01',
    'Date: Sun, 06 Dec 2026 10:00:00 +0000',
    'Message-ID: <alert-1@monitoring.example.org>',
    'Auto-Submitted: auto-generated',
    'Content-Type: text/plain; charset=utf-8',
    '',
    'Disk /var on db-01 is 97 % full.',
    '',
  ].join('\r\n'),
);

async function decideFor(raw: Buffer, acceptNotifications: boolean) {
  const channel = channelRecord({ domains: { allowed: [], excludeAutoReplies: true, acceptNotifications } });
  const mail = await parseMail(raw);
  const classification = classifyMail(mail, classifyOptions(channel));
  return { classification, decision: decide({ channel, mail, classification, folder: 'Inbox', template, receivedAt: '2026-12-06T10:00:00.000Z' }) };
}

test('an Auto-Submitted: auto-generated alert is a notification that asks for no auto-response', async () => {
  const { classification } = await decideFor(alert, true);
  assert.equal(classification.kind, 'notification');
  assert.equal(classification.noAutoResponse, true);
});

function suppressionOf(decision: Awaited<ReturnType<typeof decideFor>>['decision']): string | undefined {
  assert.equal(decision.action, 'createTicket');
  if (decision.action !== 'createTicket') return undefined;
  assert.equal(decision.answers.length, 1);
  const [answer] = decision.answers;
  assert.equal(answer?.send, false, 'no auto-response goes');
  return answer && !answer.send ? answer.suppression.code : undefined;
}

test('a channel that accepts notifications makes the alert a ticket, and sends it no auto-response (AUTO_SUBMITTED)', async () => {
  assert.equal(suppressionOf((await decideFor(alert, true)).decision), 'AUTO_SUBMITTED');
});

test('a notification without Auto-Submitted (a Jira notification) becomes a ticket too, and gets no auto-response either (MACHINE_MAIL)', async () => {
  const jira = Buffer.from(
    [
      'From: Jira <jira@acme.atlassian.net>',
      'To: desk@example.com',
      'Subject: [JIRA] (OPS-12) Nightly backup failed',
      'X-JIRA-FingerPrint: 0123456789abcdef0123456789abcdef',
      'Content-Type: text/plain; charset=utf-8',
      '',
      'Backup job nightly-db failed at 02:00 with exit code 3.',
      '',
    ].join('\r\n'),
  );
  const { classification, decision } = await decideFor(jira, true);
  assert.equal(classification.kind, 'notification');
  assert.equal(suppressionOf(decision), 'MACHINE_MAIL');
});

test('by default (notifications not accepted) the alert makes no ticket', async () => {
  const { decision } = await decideFor(alert, false);
  assert.equal(decision.action, 'ignore');
  if (decision.action === 'ignore') assert.equal(decision.code, 'NOTIFICATION');
});

test('accepting notifications does not let a generated bounce through: a Postfix bounce with Auto-Submitted: auto-replied stays ignored', async () => {
  const bounce = Buffer.from(
    [
      'Return-Path: <>',
      'From: MAILER-DAEMON@mx.example.org (Mail Delivery System)',
      'To: desk@example.com',
      'Subject: Undelivered Mail Returned to Sender',
      'Auto-Submitted: auto-replied',
      'Content-Type: text/plain',
      '',
      'This is the mail system at host mx.example.org.',
      '',
    ].join('\r\n'),
  );
  const { classification, decision } = await decideFor(bounce, true);
  assert.equal(classification.kind, 'bounce');
  assert.equal(decision.action, 'ignore');
});
