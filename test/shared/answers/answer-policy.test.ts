import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_ANSWER_SETTINGS } from '../../../shared/answers/answer-settings';
import {
  answerableSender,
  answerRules,
  autoResponseEnabled,
  noteAcknowledged,
  notAnAnswerToOurAnswer,
  notAutoSubmitted,
  notImported,
  notMachineMail,
  shouldAutoRespond,
  withinRateLimit,
  type AnswerCheck,
  type AnswerRule,
  type SuppressionCode,
} from '../../../shared/answers/answer-policy';
import { ownAddressSet } from '../../../shared/answers/recipient';

const base: AnswerCheck = {
  trigger: 'ticketCreated',
  settings: DEFAULT_ANSWER_SETTINGS.autoResponse,
  mail: { from: { address: 'jane@example.com', name: 'Jane' }, headers: {}, references: [] },
  classification: { kind: 'human', reasons: [], noAutoResponse: false },
  imported: false,
  ownAddresses: ownAddressSet(['support@desk.example', 'help@desk.example', 'sales@other-channel.example']),
  recent: { count: 0, messageIds: [] },
};
const withMail = (mail: Partial<AnswerCheck['mail']>): Partial<AnswerCheck> => ({ mail: { ...base.mail, ...mail } });

interface Row {
  name: string;
  rule: AnswerRule;
  change: Partial<AnswerCheck>;
  code: SuppressionCode | undefined;
}

const rows: Row[] = [
  { name: 'a new ticket from a person is answered', rule: autoResponseEnabled, change: {}, code: undefined },
  { name: 'auto-responses off: none', rule: autoResponseEnabled, change: { settings: { ...base.settings, enabled: false } }, code: 'AUTO_RESPONSE_DISABLED' },
  { name: 'a reply that became a note: none by default', rule: noteAcknowledged, change: { trigger: 'noteAdded' }, code: 'NOTE_ACK_DISABLED' },
  { name: 'a reply that became a note, with onNote: answered', rule: noteAcknowledged, change: { trigger: 'noteAdded', settings: { ...base.settings, onNote: true } }, code: undefined },
  { name: 'imported mail: none', rule: notImported, change: { imported: true }, code: 'IMPORTED' },
  { name: 'no sender: none', rule: answerableSender, change: withMail({ from: undefined }), code: 'SENDER_INVALID' },
  { name: 'an empty sender: none', rule: answerableSender, change: withMail({ from: { address: '', name: 'MAILER-DAEMON' } }), code: 'SENDER_INVALID' },
  { name: 'a sender that is no address: none', rule: answerableSender, change: withMail({ from: { address: 'undisclosed-recipients:;', name: '' } }), code: 'SENDER_INVALID' },
  { name: 'the channel’s mailbox: none', rule: answerableSender, change: withMail({ from: { address: 'Support@Desk.Example', name: '' } }), code: 'OWN_ADDRESS' },
  { name: 'the channel’s reply-to, sub-addressed: none', rule: answerableSender, change: withMail({ from: { address: 'help+t1@desk.example', name: '' } }), code: 'OWN_ADDRESS' },
  { name: 'another channel’s address: none', rule: answerableSender, change: withMail({ from: { address: 'sales@other-channel.example', name: '' } }), code: 'OWN_ADDRESS' },
  { name: 'a no-reply sender: none', rule: answerableSender, change: withMail({ from: { address: 'no-reply@shop.example', name: 'Shop' } }), code: 'NO_REPLY_ADDRESS' },
  { name: 'mailer-daemon: none', rule: answerableSender, change: withMail({ from: { address: 'MAILER-DAEMON@mx.example', name: '' } }), code: 'NO_REPLY_ADDRESS' },
  { name: 'Auto-Submitted: auto-replied: none', rule: notAutoSubmitted, change: withMail({ headers: { 'auto-submitted': 'auto-replied' } }), code: 'AUTO_SUBMITTED' },
  { name: 'Auto-Submitted: auto-generated: none', rule: notAutoSubmitted, change: withMail({ headers: { 'auto-submitted': 'auto-generated' } }), code: 'AUTO_SUBMITTED' },
  { name: 'Auto-Submitted: auto-forwarded: none (RFC 3834: any value but no)', rule: notAutoSubmitted, change: withMail({ headers: { 'auto-submitted': 'auto-forwarded' } }), code: 'AUTO_SUBMITTED' },
  { name: 'Zimbra’s Auto-Submitted: auto-replied (vacation): none', rule: notAutoSubmitted, change: withMail({ headers: { 'auto-submitted': 'auto-replied (vacation)' } }), code: 'AUTO_SUBMITTED' },
  { name: 'Auto-Submitted: No: answered', rule: notAutoSubmitted, change: withMail({ headers: { 'auto-submitted': 'No' } }), code: undefined },
  { name: 'Auto-Submitted: no; with a comment: answered', rule: notAutoSubmitted, change: withMail({ headers: { 'auto-submitted': 'no (person) ; x=y' } }), code: undefined },
  { name: 'a repeated Auto-Submitted, no then auto-replied: none', rule: notAutoSubmitted, change: withMail({ headers: { 'auto-submitted': 'no\nauto-replied' } }), code: 'AUTO_SUBMITTED' },
  { name: 'a bounce: none', rule: notMachineMail, change: { classification: { kind: 'bounce', reasons: ['bounce: From MAILER-DAEMON'], noAutoResponse: true } }, code: 'BOUNCE' },
  { name: 'list mail: none', rule: notMachineMail, change: { classification: { kind: 'list', reasons: ['list: List-Id'], noAutoResponse: true } }, code: 'MAILING_LIST' },
  { name: 'our own mail coming back: none', rule: notMachineMail, change: { classification: { kind: 'loop', reasons: ['loop: X-MailChannel-Id'], noAutoResponse: true } }, code: 'LOOP' },
  { name: 'an out-of-office reply: none', rule: notMachineMail, change: { classification: { kind: 'auto-reply', reasons: [], noAutoResponse: true } }, code: 'MACHINE_MAIL' },
  { name: 'an abuse report: none', rule: notMachineMail, change: { classification: { kind: 'report', reasons: [], noAutoResponse: true } }, code: 'MACHINE_MAIL' },
  { name: 'a monitoring alert accepted as a ticket: none', rule: notMachineMail, change: { classification: { kind: 'notification', reasons: [], noAutoResponse: true } }, code: 'MACHINE_MAIL' },
  { name: 'a person’s mail with X-Auto-Response-Suppress: none', rule: notMachineMail, change: { classification: { kind: 'human', reasons: ['no auto-response: X-Auto-Response-Suppress: All'], noAutoResponse: true } }, code: 'NO_AUTO_RESPONSE_REQUESTED' },
  { name: 'an answer to our recent answer to this sender: none', rule: notAnAnswerToOurAnswer, change: { ...withMail({ inReplyTo: '<mc.abc@desk.example>' }), recent: { count: 1, messageIds: ['mc.abc@desk.example'] } }, code: 'LOOP_PATTERN' },
  { name: 'our answer named in References only, case of the domain aside: none', rule: notAnAnswerToOurAnswer, change: { ...withMail({ references: ['<root@example.com>', '<mc.abc@DESK.example>'] }), recent: { count: 1, messageIds: ['mc.abc@desk.example'] } }, code: 'LOOP_PATTERN' },
  { name: 'a reply to some other mail of the thread: answered', rule: notAnAnswerToOurAnswer, change: { ...withMail({ inReplyTo: '<other@example.com>' }), recent: { count: 1, messageIds: ['mc.abc@desk.example'] } }, code: undefined },
  { name: '4 answers within the hour, limit 5: answered', rule: withinRateLimit, change: { recent: { count: 4, messageIds: [] } }, code: undefined },
  { name: '5 answers within the hour, limit 5: none', rule: withinRateLimit, change: { recent: { count: 5, messageIds: [] } }, code: 'RATE_LIMITED' },
  { name: '1 answer within the hour, limit 1: none', rule: withinRateLimit, change: { recent: { count: 1, messageIds: [] }, settings: { ...base.settings, perSenderPerHour: 1 } }, code: 'RATE_LIMITED' },
];

for (const row of rows) {
  test(`rule ${row.rule.name}: ${row.name}`, () => {
    const check = { ...base, ...row.change };
    assert.equal(row.rule(check)?.code, row.code);
    // and the whole policy agrees: the rule's objection is the verdict, or nothing objects
    const verdict = shouldAutoRespond(check);
    if (row.code) assert.deepEqual(verdict.answer ? undefined : verdict.suppression.code, row.code);
    else assert.equal(verdict.answer, true, JSON.stringify(verdict));
  });
}

test('every suppression has a message an admin can read', () => {
  for (const row of rows.filter((r) => r.code)) {
    const s = row.rule({ ...base, ...row.change })!;
    assert.ok(s.message.length > 10, row.name);
  }
});

test('the first objection wins, settings before the mail: an imported bounce from ourselves while off reads AUTO_RESPONSE_DISABLED', () => {
  const verdict = shouldAutoRespond({
    ...base,
    settings: { ...base.settings, enabled: false },
    imported: true,
    ...withMail({ from: { address: 'support@desk.example', name: '' } }),
    classification: { kind: 'bounce', reasons: [], noAutoResponse: true },
  });
  assert.deepEqual(verdict.answer ? undefined : verdict.suppression.code, 'AUTO_RESPONSE_DISABLED');
});

test('the rate limit is the last rule: a mail that no rule refuses counts against it only when it would be sent', () => {
  assert.equal(answerRules.at(-1), withinRateLimit);
});
