import { test } from 'node:test';
import assert from 'node:assert/strict';
import { simpleParser } from 'mailparser';
import MailComposer from 'nodemailer/lib/mail-composer';
import { customerReply, openingMails, quoted, readReceived, requesterOf } from '../../bench/replies';

const CHANNEL = 'replies@contoso.example';

/** An acknowledgement as the channel sends it: token in the subject, threaded to the customer's mail, auto-replied. */
async function acknowledgement(to: string): Promise<Buffer> {
  return new MailComposer({
    from: `"Service Desk" <${CHANNEL}>`,
    to,
    subject: '[#T-000042-k3f9] We received your request: Shared drive is read-only',
    messageId: '<ack-42@contoso.example>',
    inReplyTo: '<first-42@client.example.org>',
    references: ['<first-42@client.example.org>'],
    headers: { 'Auto-Submitted': 'auto-replied' },
    text: 'Hello,\r\n\r\nwe received your request and opened ticket T-000042.\r\n\r\nService Desk\r\n\r\n',
  })
    .compile()
    .build();
}

test("the customer's reply answers the acknowledgement: Re: + its subject with the token, In-Reply-To it, References the whole thread", async () => {
  const ack = await readReceived(await acknowledgement(requesterOf('t', 42)));
  assert.equal(ack.autoSubmitted, 'auto-replied');
  const reply = await simpleParser((await customerReply(ack, 42, { to: CHANNEL, tag: 't' })).raw);
  assert.equal(reply.subject, 'Re: [#T-000042-k3f9] We received your request: Shared drive is read-only');
  assert.equal(reply.inReplyTo, '<ack-42@contoso.example>');
  assert.deepEqual(reply.references, ['<first-42@client.example.org>', '<ack-42@contoso.example>']);
  assert.equal(reply.from?.value[0]?.address, requesterOf('t', 42));
  assert.equal((Array.isArray(reply.to) ? reply.to[0] : reply.to)?.value[0]?.address, CHANNEL);
});

test('the reply has the new text on top and the acknowledgement quoted below an attribution', async () => {
  const ack = await readReceived(await acknowledgement(requesterOf('t', 1)));
  const text = (await simpleParser((await customerReply(ack, 1, { to: CHANNEL, tag: 't' })).raw)).text ?? '';
  const attribution = text.indexOf(`, ${CHANNEL} wrote:`);
  assert.ok(text.indexOf('Thanks for the quick reply') < attribution && attribution > 0);
  assert.ok(text.includes('> we received your request and opened ticket T-000042.'));
});

test('quoting marks every line, keeps blank lines as ">", and drops trailing line breaks', () => {
  assert.equal(quoted('Hello,\r\n\r\nsecond line\r\n\r\n\r\n'), '> Hello,\n>\n> second line');
});

test('every opening mail comes from a requester of its own (no acknowledgement is held back by the per-sender limit)', async () => {
  const mails = await openingMails(3, { to: CHANNEL, tag: 'o' }, 5);
  const senders = await Promise.all(mails.map(async (m) => (await simpleParser(m.raw)).from?.value[0]?.address));
  assert.deepEqual(senders, [requesterOf('o', 5), requesterOf('o', 6), requesterOf('o', 7)]);
});
