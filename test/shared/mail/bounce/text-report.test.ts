import { test } from 'node:test';
import assert from 'node:assert/strict';
import { idIn, readTextReport } from '../../../../shared/mail/bounce/text-report';
import { newWorkMeter } from '../../../../shared/mail/bounce/work-meter';

const limits = { maxIds: 20, maxDiagnostic: 500 };

test('Postfix: the address, then the code, with the deeper-indented line that continues it; the report ends at the quoted original', () => {
  const text = [
    'This is the mail system at host mx1.example.com.',
    '',
    '<nobody@fabrikam.example>: host mx.fabrikam.example[192.0.2.10] said: 550 5.1.1',
    '    <nobody@fabrikam.example>: Recipient address rejected: User unknown (in reply',
    '    to RCPT TO command)',
    '',
    'Received: from desk (desk.example.com [192.0.2.1])',
    'Message-ID: <mc.1@example.com>',
  ].join('\n');
  const r = readTextReport(text, 'Undelivered Mail Returned to Sender', newWorkMeter(), limits);
  assert.equal(r.recipient, 'nobody@fabrikam.example');
  assert.equal(r.status, '5.1.1');
  assert.equal(r.diagnostic, '550 5.1.1 <nobody@fabrikam.example>: Recipient address rejected: User unknown (in reply to RCPT TO command)');
  assert.deepEqual(r.quotedMessageIds, ['mc.1@example.com']);
  assert.equal(r.delayed, false);
});

test('the failed address is the first after a recipient phrase: a sender named above it is passed over', () => {
  const text = 'MAIL FROM: me@desk.example\nRCPT TO: gone@example.org\nError: 550 no such user';
  assert.equal(readTextReport(text, '', newWorkMeter(), limits).recipient, 'gone@example.org');
});

test('quoted Message-ID lines are read with a quote mark or indent before them, and with the id folded onto the next line', () => {
  const r = readTextReport('> Message-ID: <a@x.example>\n   Message-Id:\n    <b@x.example>\nMessage-ID: no id here', '', newWorkMeter(), limits);
  assert.deepEqual(r.quotedMessageIds, ['a@x.example', 'b@x.example']);
});

test('a delay warning reads as one, unless it says the error is permanent', () => {
  assert.equal(readTextReport('THIS IS A WARNING MESSAGE ONLY.\nDelivery has been delayed', '', newWorkMeter(), limits).delayed, true);
  assert.equal(readTextReport('hello', 'Warning: message 1A2B delayed 4 hours', newWorkMeter(), limits).delayed, true);
  assert.equal(readTextReport('This is a permanent error; I will retry no more.', '', newWorkMeter(), limits).delayed, false);
});

test('an id is the first <…> of a value with an @, or the bare value; anything else is none', () => {
  assert.equal(idIn(' <a@b.example> <c@d.example>'), 'a@b.example');
  assert.equal(idIn('a@b.example (comment)'), 'a@b.example');
  assert.equal(idIn('<no-at-sign>'), undefined);
  assert.equal(idIn('<unclosed@b.example'), undefined);
  assert.equal(idIn(''), undefined);
});

test('each named address gets the words below it, not those of the next address', () => {
  const text = [
    'The following address(es) failed:',
    '',
    '  a@x.example',
    '    SMTP error from remote mail server after RCPT TO:<a@x.example>:',
    '    host mx [192.0.2.1]: 550 5.1.1 <a@x.example>... User Unknown',
    '  b@x.example',
    '    retry timeout exceeded',
    '  c@x.example',
    '    host mx [192.0.2.1]: 552 5.2.2 mailbox full',
  ].join('\n');
  const r = readTextReport(text, '', newWorkMeter(), limits, ['a@x.example', 'b@x.example', 'c@x.example', 'not-in-text@x.example']);
  assert.deepEqual(r.named, [
    { address: 'a@x.example', status: '5.1.1', diagnostic: '550 5.1.1 <a@x.example>... User Unknown' },
    { address: 'b@x.example', diagnostic: 'retry timeout exceeded' },
    { address: 'c@x.example', status: '5.2.2', diagnostic: '552 5.2.2 mailbox full' },
    { address: 'not-in-text@x.example' },
  ]);
});
