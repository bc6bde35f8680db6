import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { classifyMail } from '../../../shared/mail/classify';
import { AttachmentInfo, ParsedMail } from '../../../shared/mail/parsed-mail';
import { autoResponseSuppress } from '../../../shared/mail/signals/auto-response-suppress';
import { autoresponderMailer } from '../../../shared/mail/signals/autoresponder-mailer';
import { autoSubmitted } from '../../../shared/mail/signals/auto-submitted';
import { bounceBody } from '../../../shared/mail/signals/bounce-body';
import { bounceSubjectSignal } from '../../../shared/mail/signals/bounce-subject';
import { carrierGateway } from '../../../shared/mail/signals/carrier-gateway';
import { dmarcAggregate } from '../../../shared/mail/signals/dmarc-aggregate';
import { exchangeNdr } from '../../../shared/mail/signals/exchange-ndr';
import { feedbackId } from '../../../shared/mail/signals/feedback-id';
import { feedbackReport } from '../../../shared/mail/signals/feedback-report';
import { loopAlert } from '../../../shared/mail/signals/loop-alert';
import { mailerDaemon } from '../../../shared/mail/signals/mailer-daemon';
import { multipartReport } from '../../../shared/mail/signals/multipart-report';
import { notificationService } from '../../../shared/mail/signals/notification-service';
import { sesNotification } from '../../../shared/mail/signals/ses-notification';
import type { Signal } from '../../../shared/mail/signals/signal';
import { xLoop } from '../../../shared/mail/signals/x-loop';

/** A parsed mail from a person unless the test says otherwise (header names lower-cased, as the parser gives them). */
function mail(over: Partial<ParsedMail> & { headers?: Record<string, string> } = {}): ParsedMail {
  return ParsedMail.parse({
    from: { address: 'person@customer.example', name: 'A Person' },
    subject: 'Question about my order',
    text: 'Hello, my order 1234 has not arrived yet. Can you check?',
    headers: {},
    rawSha256: '0'.repeat(64),
    rawSize: 1,
    ...over,
  });
}

function part(contentType: string, filename = 'part.bin'): AttachmentInfo {
  return AttachmentInfo.parse({ filename, contentType, size: 10, inline: false, sha256: '1'.repeat(64) });
}

const run = (signal: Signal, m: ParsedMail, ownAddresses: string[] = []) => signal.test({ mail: m, ownAddresses });
const kindOf = (signal: Signal, m: ParsedMail, own?: string[]) => run(signal, m, own)?.kind;

describe('feedback-report: ARF abuse and DMARC failure reports (RFC 5965, 6591)', () => {
  test('multipart/report; report-type=feedback-report is a report', () => {
    assert.equal(kindOf(feedbackReport, mail({ headers: { 'content-type': 'multipart/report; report-type="feedback-report"; boundary="b"' } })), 'report');
  });
  test('a message/feedback-report part inside multipart/mixed is a report', () => {
    assert.equal(kindOf(feedbackReport, mail({ headers: { 'content-type': 'multipart/mixed; boundary=b' }, attachments: [part('message/feedback-report')] })), 'report');
  });
  test('a Microsoft JMRP complaint ("complaint about message from <IP>") is a report', () => {
    assert.equal(kindOf(feedbackReport, mail({ subject: ' complaint about message from 192.0.2.222' })), 'report');
  });
  test('ARF fields at the top of a text body (Feedback-Type with Version) are a report', () => {
    assert.equal(kindOf(feedbackReport, mail({ text: 'Feedback-Type: abuse\nUser-Agent: SomeFBL/1.0\nVersion: 1\n' })), 'report');
  });
  test('near miss: a person complaining about a message, or mentioning feedback types, is not a report', () => {
    assert.equal(run(feedbackReport, mail({ subject: 'Complaint about message from your support agent' })), undefined);
    assert.equal(run(feedbackReport, mail({ text: 'Which Feedback-Type: abuse should I pick in the form?' })), undefined);
    assert.equal(run(feedbackReport, mail({ headers: { 'content-type': 'multipart/mixed; boundary=b' } })), undefined);
  });
});

describe('dmarc-aggregate: DMARC aggregate reports (RFC 7489 §7.2.1)', () => {
  test('an attachment named receiver!domain!begin!end.xml.gz is a report', () => {
    assert.equal(kindOf(dmarcAggregate, mail({ attachments: [part('application/gzip', 'google.com!example.com!1700000000!1700086399.xml.gz')] })), 'report');
    assert.equal(kindOf(dmarcAggregate, mail({ attachments: [part('application/zip', 'protection.outlook.com!example.com!1700000000!1700086399.zip')] })), 'report');
  });
  test('the prescribed subject "Report Domain: … Submitter: …" is a report', () => {
    assert.equal(kindOf(dmarcAggregate, mail({ subject: 'Report domain: example.com Submitter: google.com Report-ID: 1234567890' })), 'report');
  });
  test('near miss: an ordinary zip, or a subject that talks about report domains, is not a report', () => {
    assert.equal(run(dmarcAggregate, mail({ attachments: [part('application/zip', 'invoices-2026.zip')] })), undefined);
    assert.equal(run(dmarcAggregate, mail({ subject: 'Which report domain should I use?' })), undefined);
  });
});

describe('multipart-report: any other machine report (RFC 6522)', () => {
  test('multipart/report without a report-type is a report', () => {
    assert.equal(kindOf(multipartReport, mail({ headers: { 'content-type': 'multipart/report; boundary="b"' } })), 'report');
  });
  test('a text/rfc822-headers part is a report', () => {
    assert.equal(kindOf(multipartReport, mail({ attachments: [part('text/rfc822-headers')] })), 'report');
  });
  test('near miss: delivery-status and disposition-notification reports are left to their own signals, multipart/mixed to none', () => {
    assert.equal(run(multipartReport, mail({ headers: { 'content-type': 'multipart/report; report-type=delivery-status; boundary=b' } })), undefined);
    assert.equal(run(multipartReport, mail({ headers: { 'content-type': 'multipart/report; report-type=disposition-notification; boundary=b' } })), undefined);
    assert.equal(run(multipartReport, mail({ headers: { 'content-type': 'multipart/mixed; boundary=b' } })), undefined);
  });
});

describe('exchange-ndr: X-MS-Exchange-Message-Is-Ndr', () => {
  test('the header, even empty, marks an Exchange NDR as a bounce', () => {
    assert.equal(kindOf(exchangeNdr, mail({ headers: { 'x-ms-exchange-message-is-ndr': '' } })), 'bounce');
  });
  test('near miss: other Exchange headers are not an NDR', () => {
    assert.equal(run(exchangeNdr, mail({ headers: { 'x-ms-exchange-organization-scl': '-1', 'x-ms-has-attach': 'yes' } })), undefined);
  });
});

describe('bounce-body: plain-text non-delivery reports', () => {
  const cases = [
    'Hi. This is the qmail-send program at mx.example.net.\nI\'m afraid I wasn\'t able to deliver your message',
    'This message was created automatically by mail delivery software.\n\nA message that you sent could not be delivered',
    'Delivery has failed to these recipients or groups:\n\nbob@example.com',
    'Your message\n\n  To: kijitora@example.net\n\ndid not reach the following recipient(s):',
  ];
  for (const text of cases) {
    test(`a body opening "${text.slice(0, 40).replace(/\n/g, ' ')}…" is a bounce`, () => {
      assert.equal(kindOf(bounceBody, mail({ subject: 'failure notice', text })), 'bounce');
    });
  }
  test('near miss: a person forwarding a bounce (FW:) or quoting one below their own words is not a bounce', () => {
    assert.equal(run(bounceBody, mail({ subject: 'FW: Undeliverable: invoice', text: cases[2]! })), undefined);
    const ownWords = 'Hello support,\n\nmy mails to our supplier keep coming back and I do not understand why. Our IT department says the server is fine, the supplier says their side is fine, and I have tried three times since Monday. Could you please look at the logs on your side and tell me what is going on? It is urgent because the order deadline is on Friday and we cannot send the signed contract otherwise.\n\nThanks, Anna\n\n';
    assert.equal(run(bounceBody, mail({ subject: 'Mails bounce', text: `${ownWords}${cases[0]!}` })), undefined);
  });
});

describe('mailer-daemon: mail system senders, also without an address', () => {
  test('a bare "MAILER-DAEMON <>" display name with no address is a bounce', () => {
    assert.equal(kindOf(mailerDaemon, mail({ from: { address: '', name: 'MAILER-DAEMON' } })), 'bounce');
  });
  test('"Mail Delivery System" and "Mail Delivery Subsystem" are bounces, with or without an address', () => {
    assert.equal(kindOf(mailerDaemon, mail({ from: { address: '', name: 'Mail Delivery System' } })), 'bounce');
    assert.equal(kindOf(mailerDaemon, mail({ from: { address: 'bounces@mx.example.net', name: 'Mail Delivery Subsystem' } })), 'bounce');
  });
  test('post_master@ and Exchange\'s MicrosoftExchange<hex> system mailbox are mail system senders', () => {
    assert.equal(kindOf(mailerDaemon, mail({ from: { address: 'post_master@vtext.example.com', name: '' } })), 'bounce');
    assert.equal(kindOf(mailerDaemon, mail({ from: { address: 'MicrosoftExchange329e71ec88ae4615bbc36ab6ce41109e@contoso.com', name: 'Microsoft Outlook' } })), 'bounce');
  });
  test('near miss: a person\'s admin called "System Administrator" with a real address is not a bounce; nor is "Mail Delivery Team"', () => {
    assert.equal(run(mailerDaemon, mail({ from: { address: 'it-admin@customer.example', name: 'System Administrator' } })), undefined);
    assert.equal(run(mailerDaemon, mail({ from: { address: 'team@customer.example', name: 'Mail Delivery Team' } })), undefined);
  });
});

describe('auto-submitted: the split between replies and generated notifications', () => {
  test('auto-generated and auto-notified are notifications; auto-replied is an auto-reply', () => {
    assert.equal(kindOf(autoSubmitted, mail({ headers: { 'auto-submitted': 'auto-generated' } })), 'notification');
    assert.equal(kindOf(autoSubmitted, mail({ headers: { 'auto-submitted': 'auto-notified' } })), 'notification');
    assert.equal(kindOf(autoSubmitted, mail({ headers: { 'auto-submitted': 'auto-replied' } })), 'auto-reply');
  });
  test('near miss: Auto-Submitted: no is a person\'s mail', () => {
    assert.equal(run(autoSubmitted, mail({ headers: { 'auto-submitted': 'no' } })), undefined);
  });
});

describe('notification-service: cloud alerts and service notifications', () => {
  const headers: [string, string][] = [
    ['x-amz-sns-message-id', '5b4c2b7e-0000-0000-0000-000000000000'],
    ['x-github-reason', 'mention'],
    ['x-jira-fingerprint', '0123456789abcdef'],
  ];
  for (const [name, value] of headers) {
    test(`${name} marks a notification`, () => assert.equal(kindOf(notificationService, mail({ headers: { [name]: value } })), 'notification'));
  }
  test('an Azure Monitor alert (From azure-noreply@microsoft.com) is a notification', () => {
    assert.equal(kindOf(notificationService, mail({ from: { address: 'azure-noreply@microsoft.com', name: 'Microsoft Azure' } })), 'notification');
  });
  test('near miss: a person at microsoft.com, or a person mentioning GitHub, is not a notification', () => {
    assert.equal(run(notificationService, mail({ from: { address: 'jane.doe@microsoft.com', name: 'Jane' } })), undefined);
    assert.equal(run(notificationService, mail({ subject: 'GitHub reason for the outage?', headers: { 'x-mailer': 'Microsoft Outlook 16.0' } })), undefined);
  });
});

describe('carrier-gateway: SMS/MMS gateways', () => {
  test('mail from a carrier\'s SMS gateway is a notification (an answer would text a phone)', () => {
    assert.equal(kindOf(carrierGateway, mail({ from: { address: '5551234567@vtext.com', name: '' } })), 'notification');
  });
  test('near miss: a person at a carrier\'s corporate domain is not a gateway', () => {
    assert.equal(run(carrierGateway, mail({ from: { address: 'jane@verizon.com', name: 'Jane' } })), undefined);
  });
});

describe('feedback-id: bulk senders\' campaign labels', () => {
  test('Feedback-ID marks mass mail', () => {
    assert.equal(kindOf(feedbackId, mail({ headers: { 'feedback-id': '1.us-east-1.abc:AmazonSES' } })), 'list');
  });
  test('near miss: an empty Feedback-ID proves nothing', () => {
    assert.equal(run(feedbackId, mail({ headers: { 'feedback-id': '' } })), undefined);
  });
});

describe('loop-alert: list servers and mail systems reporting a loop', () => {
  test('Mailman\'s "mail loop detected" from a -bounces sender is a loop', () => {
    assert.equal(kindOf(loopAlert, mail({ subject: 'Mail loop detected', from: { address: 'users-bounces@lists.example.org', name: '' } })), 'loop');
  });
  test('LISTSERV\'s loop notice is a loop', () => {
    assert.equal(kindOf(loopAlert, mail({ subject: 'Message rejected: looping mail', from: { address: 'LISTSERV@LISTS.EXAMPLE.EDU', name: 'L-Soft list server' } })), 'loop');
  });
  test('near miss: a person writing about a mail loop is not a loop alert', () => {
    assert.equal(run(loopAlert, mail({ subject: 'We have a mail loop on our side' })), undefined);
  });
});

describe('x-loop: the stamp automata put on their mail', () => {
  test('X-Loop marks an automaton\'s mail as an auto-reply', () => {
    assert.equal(kindOf(xLoop, mail({ headers: { 'x-loop': 'vacation@customer.example' } })), 'auto-reply');
  });
  test('X-Loop naming our own address is a loop', () => {
    assert.equal(kindOf(xLoop, mail({ headers: { 'x-loop': 'Support@Desk.example' } }), ['support@desk.example']), 'loop');
  });
  test('near miss: X-Loop-like headers of other names are not X-Loop', () => {
    assert.equal(run(xLoop, mail({ headers: { 'x-looping-test': 'yes' } })), undefined);
  });
});

describe('autoresponder-mailer: X-Mailer of autoresponders', () => {
  test('X-Mailer: vacation and cPanel autoresponders are auto-replies', () => {
    assert.equal(kindOf(autoresponderMailer, mail({ headers: { 'x-mailer': 'Vacation 1.2.7' } })), 'auto-reply');
    assert.equal(kindOf(autoresponderMailer, mail({ headers: { 'x-mailer': 'cPanel Autoresponder' } })), 'auto-reply');
  });
  test('near miss: ordinary mail clients are not autoresponders', () => {
    assert.equal(run(autoresponderMailer, mail({ headers: { 'x-mailer': 'Microsoft Outlook 16.0', 'user-agent': 'Mozilla Thunderbird' } })), undefined);
  });
});

describe('auto-response-suppress: a request, not a kind', () => {
  test('X-Auto-Response-Suppress: All keeps a person\'s mail human but withholds the auto-response', () => {
    const c = classifyMail(mail({ headers: { 'x-auto-response-suppress': 'All' } }));
    assert.equal(c.kind, 'human');
    assert.equal(c.noAutoResponse, true);
    assert.match(c.reasons.join(' '), /no auto-response: X-Auto-Response-Suppress: All/);
  });
  test('near miss: suppressing only delivery and read receipts (DR, RN, NRN) leaves the auto-response alone', () => {
    assert.equal(run(autoResponseSuppress, mail({ headers: { 'x-auto-response-suppress': 'DR, RN, NRN' } })), undefined);
  });
});

describe('classifyMail: kinds and noAutoResponse', () => {
  test('every machine kind sets noAutoResponse; a plain person\'s mail does not', () => {
    const machine: ParsedMail[] = [
      mail({ headers: { 'auto-submitted': 'auto-replied' } }),
      mail({ headers: { 'auto-submitted': 'auto-generated' } }),
      mail({ headers: { 'x-failed-recipients': 'gone@example.com' } }),
      mail({ headers: { 'content-type': 'multipart/report; report-type=feedback-report; boundary=b' } }),
      mail({ headers: { 'list-id': '<users.lists.example.org>' } }),
      mail({ headers: { 'x-mailchannel-id': 'ch-1' } }),
    ];
    for (const m of machine) assert.equal(classifyMail(m).noAutoResponse, true, classifyMail(m).kind);
    assert.equal(classifyMail(mail()).noAutoResponse, false);
  });
  test('a monitoring alert with Auto-Submitted: auto-generated and Precedence: bulk stays a notification; a bounce outranks it', () => {
    assert.equal(classifyMail(mail({ headers: { 'auto-submitted': 'auto-generated', precedence: 'bulk' } })).kind, 'notification');
    assert.equal(classifyMail(mail({ headers: { 'auto-submitted': 'auto-generated', 'x-failed-recipients': 'x@example.com' } })).kind, 'bounce');
    assert.equal(classifyMail(mail({ headers: { 'auto-submitted': 'auto-generated', 'content-type': 'multipart/report; report-type=feedback-report; boundary=b' } })).kind, 'report');
  });
  test('a person\'s mail an inbox rule forwarded keeps its hop\'s auto-generated stamp from making it a notification', () => {
    const forwarded = mail({
      subject: 'FW: Printer broken',
      headers: { 'auto-submitted': 'auto-generated', 'x-ms-exchange-inbox-rules-loop': 'laura@contoso.com', 'x-auto-response-suppress': 'All' },
    });
    const c = classifyMail(forwarded);
    assert.equal(c.kind, 'human');
  });
});

describe('loop-alert: list servers stamped by their headers', () => {
  test('fml\'s "Loop Alert" from LIST-admin with X-MLServer is a loop', () => {
    assert.equal(kindOf(loopAlert, mail({ subject: 'Loop Alert: Duplicated Message-ID (2ndml ML)', from: { address: '2ndml-admin@example.com', name: '' }, headers: { 'x-mlserver': 'fml [fml 4.0.3 release]' } })), 'loop');
  });
  test('near miss: a person writing "mail loop" through the desk\'s own Mailman list is not a loop alert', () => {
    const viaOwnList = mail({ subject: 'We see a mail loop since Monday', headers: { 'x-mailman-version': '2.1.39', 'list-post': '<mailto:support@desk.example>' } });
    assert.equal(run(loopAlert, viaOwnList, ['support@desk.example']), undefined);
  });
});

describe('out-of-office-subject: Lotus Notes', () => {
  test('"AUTO: Smith, John is out of the office. (returning …)" is an auto-reply', () => {
    assert.equal(classifyMail(mail({ subject: 'AUTO: Smith, John is out of the office. (returning 05/01/2010)' })).kind, 'auto-reply');
    assert.equal(classifyMail(mail({ subject: 'AUTO: Max Mustermann ist außer Haus (Rückkehr am 05.01.2026)' })).kind, 'auto-reply');
  });
  test('near miss: "AUTO:" about a car is a person\'s mail', () => {
    assert.equal(classifyMail(mail({ subject: 'AUTO: Schaden an meinem Wagen, Vertrag 1234' })).kind, 'human');
  });
});

describe('no-reply-sender: a hint, not a kind', () => {
  test('a web form\'s mail from noreply@ stays a person\'s request but gets no auto-response', () => {
    for (const address of ['noreply@shop.example', 'no-reply@forms.example', 'azure-noreply@example.com', 'DoNotReply@bank.example', 'noreply+abc@x.example']) {
      const c = classifyMail(mail({ from: { address, name: 'Contact form' }, replyTo: [{ address: 'customer@example.org', name: '' }] }));
      assert.equal(c.kind, 'human', address);
      assert.equal(c.noAutoResponse, true, address);
    }
  });
  test('near miss: names that merely contain "reply" are ordinary senders', () => {
    for (const address of ['replyguy@example.com', 'noreen.reply@example.com', 'reply@example.com']) {
      assert.equal(classifyMail(mail({ from: { address, name: '' } })).noAutoResponse, false, address);
    }
  });
});

describe('mailer-daemon: a From header the parser finds no address in, and the mail system as envelope sender', () => {
  test('a From header that is only "mailer-daemon" (no address, nothing parsed) is a bounce', () => {
    assert.equal(kindOf(mailerDaemon, mail({ from: undefined, headers: { from: 'mailer-daemon' } })), 'bounce');
    assert.equal(kindOf(mailerDaemon, mail({ from: undefined, headers: { from: '"Mail Delivery System" <>' } })), 'bounce');
    assert.equal(kindOf(mailerDaemon, mail({ from: undefined, headers: { from: 'MAILER-DAEMON <>' } })), 'bounce');
  });
  test('Return-Path: <MAILER-DAEMON@host> is a bounce, whoever the From names', () => {
    assert.equal(kindOf(mailerDaemon, mail({ from: { address: 'Mail.Delivery.System@mx44.example.com', name: '' }, headers: { 'return-path': '<MAILER-DAEMON@mx44.example.com>' } })), 'bounce');
  });
  test('near miss: an unparsable From naming a person, a "System Administrator" with no address, or a person\'s envelope is not a bounce', () => {
    assert.equal(run(mailerDaemon, mail({ from: undefined, headers: { from: 'Anna Example' } })), undefined);
    assert.equal(run(mailerDaemon, mail({ from: undefined, headers: { from: 'Anna <anna@customer.example' } })), undefined);
    assert.equal(run(mailerDaemon, mail({ headers: { 'return-path': '<person@customer.example>' } })), undefined);
    assert.equal(run(mailerDaemon, mail({ headers: { 'return-path': '<mailer-daemon-fan@customer.example>' } })), undefined);
  });
  test('an unparsed From header is read only up to its first 200 characters: a daemon name behind 1 MB of padding does not count', () => {
    const padded = `"${' '.repeat(1_000_000)}mailer-daemon"`;
    assert.equal(run(mailerDaemon, mail({ from: undefined, headers: { from: padded } })), undefined);
    assert.equal(kindOf(mailerDaemon, mail({ from: undefined, headers: { from: '"  mailer-daemon"' } })), 'bounce', 'the same name within the bound counts');
  });
});

describe('bounce-subject: a non-delivery subject on mail marked automatic, or naming mail from a no-reply sender', () => {
  test('a DSN without a report-type (multipart/report) with a delivery subject is a bounce', () => {
    assert.equal(kindOf(bounceSubjectSignal, mail({ subject: 'Delivery status notification', headers: { 'content-type': 'multipart/report; boundary="b"' } })), 'bounce');
  });
  test('Return-Path <MAILER-DAEMON@host> marks the mail automatic too', () => {
    assert.equal(kindOf(bounceSubjectSignal, mail({ subject: 'Returned mail: see transcript for details', headers: { 'return-path': '<MAILER-DAEMON@smtpgw.example.jp>' } })), 'bounce');
  });
  test('a carrier\'s mail-error subject from a no-reply sender is a bounce (JA, RU, ZH, Nordic)', () => {
    for (const subject of ['メールエラー通知', 'Недоставленное сообщение', '系统退信', 'Kunde inte levereras: Offert', 'Undeliverable: Angebot']) {
      assert.equal(kindOf(bounceSubjectSignal, mail({ subject, from: { address: 'no-reply@mail.example.ne.jp', name: '' } })), 'bounce', subject);
    }
  });
  test('near miss: a parcel service\'s "Delivery failed" from noreply@, and a person asking about "Mail delivery failed", are not bounces', () => {
    assert.equal(run(bounceSubjectSignal, mail({ subject: 'Delivery failed: parcel 00340434161094042557', from: { address: 'noreply@parcels.example.com', name: 'Parcel Service' } })), undefined);
    assert.equal(run(bounceSubjectSignal, mail({ subject: 'Mail delivery failed', from: { address: 'anna@customer.example', name: 'Anna' } })), undefined);
    assert.equal(run(bounceSubjectSignal, mail({ subject: 'Undelivered parcel', from: { address: 'noreply@shop.example', name: 'Shop' } })), undefined);
  });
});

describe('bounce-body: more plain-text non-delivery openings', () => {
  for (const text of [
    'We had trouble delivering your message. Full details follow:\n\nSubject: \'Neko\'',
    'Your mail message to the following address(es) could not be delivered. This\nis a permanent error.',
    'Unable to deliver message to: <kijitora@example.org>\nDelivery failed for the following reason:',
    '次のあて先へのメッセージはエラーのため送信できませんでした。\n\nEach of the following recipients was rejected',
  ]) {
    test(`a body opening "${text.slice(0, 36).replace(/\n/g, ' ')}…" is a bounce`, () => {
      assert.equal(kindOf(bounceBody, mail({ subject: 'Mail System Error - Returned Mail', text })), 'bounce');
    });
  }
});

describe('ses-notification: Amazon SES bounce and complaint notices sent through SNS', () => {
  const sns = { 'x-amz-sns-message-id': '02f86d9b-eecf-573d-b47d-3d1850750c30' };
  const from = { address: 'no-reply@sns.amazonaws.com', name: 'SES' };
  test('an SNS envelope whose escaped Message is a Bounce is a bounce', () => {
    const text = '{\n  "Type" : "Notification",\n  "Message" : "{\\"notificationType\\":\\"Bounce\\",\\"bounce\\":{\\"bounceType\\":\\"Permanent\\"}}"\n}';
    assert.equal(kindOf(sesNotification, mail({ from, headers: sns, text })), 'bounce');
  });
  test('a raw Complaint notification (raw message delivery) is a report; an event-publishing Bounce is a bounce', () => {
    assert.equal(kindOf(sesNotification, mail({ from, headers: sns, text: '{"notificationType":"Complaint","complaint":{}}' })), 'report');
    assert.equal(kindOf(sesNotification, mail({ from, text: '{"eventType" : "Bounce","bounce":{}}' })), 'bounce');
  });
  test('near miss: a person pasting SES JSON into a question, and an SNS Delivery notice, are not bounces or reports', () => {
    assert.equal(run(sesNotification, mail({ text: 'We get {"notificationType":"Bounce"} for every mail, why?' })), undefined);
    assert.equal(run(sesNotification, mail({ from, headers: sns, text: '{"notificationType":"Delivery","delivery":{}}' })), undefined);
  });
});
