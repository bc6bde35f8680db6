import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeStatus, findEnhancedStatus, findReplyCode, leadingStatus } from '../../../../shared/mail/bounce/smtp-codes';

test('an enhanced status code is found standing alone, not inside an IP address, a version or a longer number', () => {
  assert.deepEqual(findEnhancedStatus('host [192.0.2.153]: 550 5.1.1 <x@y>'), { code: '5.1.1', index: 24 });
  assert.equal(findEnhancedStatus('from 192.0.2.153 via 10.4.5.6 (Exim 4.72)'), undefined);
  assert.equal(findEnhancedStatus('version 5.1.1.2 and 15.1.1'), undefined);
  assert.equal(findEnhancedStatus('(#5.5.0)')?.code, '5.5.0');
  assert.equal(findEnhancedStatus('550-5.2.2 mailbox full.')?.code, '5.2.2', 'after a continued reply code');
  assert.equal(findEnhancedStatus('code 5.1.1. Next')?.code, '5.1.1', 'a sentence may end right after it');
  assert.equal(findEnhancedStatus('3.1.1 is no class'), undefined);
});

test('a reply code is a 4xx/5xx word: after the start, a blank, a colon, "(", "#" or a quote; before a blank, "-" or the end', () => {
  assert.deepEqual(findReplyCode('remote host 192.0.2.32 said: 550 Unknown user'), { code: '550', index: 29 });
  assert.equal(findReplyCode('<<< 550 <foo@bar>: User unknown')?.code, '550');
  assert.equal(findReplyCode("error 550-'5.2.2 x")?.code, '550');
  assert.equal(findReplyCode('#550 5.2.2 STOREDRV')?.code, '550');
  assert.equal(findReplyCode('port 25, pid 4501, 2550 items, 550x'), undefined);
  assert.equal(findReplyCode('250 ok'), undefined);
});

test('a Status value gives its leading code; a code gets its RFC 3463 meaning when it is a common one', () => {
  assert.equal(leadingStatus(' 5.0.0 (permanent failure)'), '5.0.0');
  assert.equal(leadingStatus('failed 5.0.0'), undefined);
  assert.equal(describeStatus('5.1.1'), '5.1.1 bad destination mailbox address');
  assert.equal(describeStatus('4.2.2'), '4.2.2 mailbox full');
  assert.equal(describeStatus('5.9.9'), '5.9.9');
  assert.equal(describeStatus('5.0.0'), '5.0.0 permanent failure', 'X.0.0 says only its class');
});

test('the scans are linear on hostile text: a million dots and digits', { timeout: 30_000 }, () => {
  assert.equal(findEnhancedStatus('5.'.repeat(500_000)), undefined);
  assert.equal(findReplyCode('5'.repeat(1_000_000)), undefined);
});
