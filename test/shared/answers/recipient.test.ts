import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mailboxKey, ownAddressSet, recipientProblem, validRecipient } from '../../../shared/answers/recipient';
import { noReplyLocalPart } from '../../../shared/mail/no-reply-address';

const noReply: [string, string][] = [
  ['noreply@example.com', 'noreply'],
  ['no-reply@example.com', 'noreply'],
  ['No_Reply@example.com', 'noreply'],
  ['do-not-reply@example.com', 'donotreply'],
  ['donotreply@example.com', 'donotreply'],
  ['dont.reply@example.com', 'dontreply'],
  ['support-noreply@example.com', 'noreply'],
  ['noreply.billing@example.com', 'noreply'],
  ['noreply+abc@example.com', 'noreply'],
  ['ne-pas-repondre@example.fr', 'nepasrepondre'],
  ['keine-antwort@example.de', 'keineantwort'],
  ['MAILER-DAEMON@mx.example.com', 'mailerdaemon'],
  ['mailer_daemon@example.com', 'mailerdaemon'],
  ['postmaster@example.com', 'postmaster'],
  ['bounce@example.com', 'bounce'],
  ['bounces+SRS=abc@example.com', 'bounces'],
  ['bounce-mc.us5_123.456-jane=example.com@mail.example.net', 'bounce'],
  ['msprvs1=20019abc=bounces-1234@notifications.example.com', 'bounces'],
  ['nobody@example.com', 'nobody'],
  ['listserv@lists.example.org', 'listserv'],
  ['owner-users@lists.example.org', 'owner-'],
  ['users-request@lists.example.org', '-request'],
  ['users-owner@lists.example.org', '-owner'],
];

for (const [address, word] of noReply) {
  test(`${address} reads no answers ("${word}")`, () => {
    assert.equal(noReplyLocalPart(address)?.word, word);
  });
}

const people = ['jane@example.com', 'bouncer@example.com', 'reply@example.com', 'replyto.jane@example.com', 'no@example.com', 'norah.reply@example.com', 'post.mistress.class@example.com', 'request@example.com', 'owner@example.com', 'daemon.fan@example.com'];
for (const address of people) {
  test(`${address} is a person's address`, () => {
    assert.equal(noReplyLocalPart(address), undefined);
  });
}

test('only the local part counts: noreply.example.com as a domain does not make an address no-reply', () => {
  assert.equal(noReplyLocalPart('jane@noreply.example.com'), undefined);
});

test('a 100 KB local part is read in bounded work and gives an answer', () => {
  assert.equal(noReplyLocalPart(`${'a-'.repeat(50_000)}@example.com`), undefined);
});

test('valid recipients: an address; not a name, an empty string, a 300-character address or two addresses', () => {
  assert.equal(validRecipient(' jane@example.com '), 'jane@example.com');
  for (const bad of [undefined, '', 'Jane', '<>', 'jane@', `${'a'.repeat(300)}@example.com`, 'a@example.com, b@example.com', 'jane@example.com\r\nBcc: x@example.com']) {
    assert.equal(validRecipient(bad), undefined, String(bad));
  }
});

test('mailbox keys compare case-insensitively and without the +tag', () => {
  assert.equal(mailboxKey('Support+Tickets@Example.COM'), 'support@example.com');
  const own = ownAddressSet(['support@example.com', undefined, 'Help@Example.com', 'not an address']);
  assert.deepEqual([...own], ['support@example.com', 'help@example.com']);
});

test('recipientProblem names the first problem: none, invalid, ours, no-reply', () => {
  const own = ownAddressSet(['support@example.com']);
  assert.equal(recipientProblem(undefined, own)?.code, 'SENDER_INVALID');
  assert.equal(recipientProblem({ address: '' }, own)?.code, 'SENDER_INVALID');
  assert.equal(recipientProblem({ address: 'MAILER-DAEMON' }, own)?.code, 'SENDER_INVALID');
  assert.equal(recipientProblem({ address: 'SUPPORT+x@example.com' }, own)?.code, 'OWN_ADDRESS');
  assert.equal(recipientProblem({ address: 'noreply@shop.example' }, own)?.code, 'NO_REPLY_ADDRESS');
  assert.equal(recipientProblem({ address: 'jane@example.com' }, own), undefined);
});
