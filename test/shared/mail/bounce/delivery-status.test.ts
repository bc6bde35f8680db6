import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readDeliveryStatus } from '../../../../shared/mail/bounce/delivery-status';
import { newWorkMeter } from '../../../../shared/mail/bounce/work-meter';

const report = [
  'Reporting-MTA: dns; googlemail.com',
  'X-Original-Message-ID: <orig@example.jp>',
  'Original-Envelope-Id: env-1',
  '',
  'Original-Recipient: rfc822;neko@cat.example.jp',
  'Final-Recipient: rfc822;neko@example.jp',
  'Action: Failed',
  'Status: 5.0.0 (permanent failure)',
  'Diagnostic-Code: smtp; 550 #5.1.0 Address',
  '  rejected.',
  '',
  'Final-Recipient: rfc822; slow@example.jp',
  'Action: delayed',
  'Status: 4.4.1',
  '',
].join('\n');

test('each recipient group gives its address, action, status and diagnostic (type prefix dropped, folds unfolded)', () => {
  const r = readDeliveryStatus(report, newWorkMeter(), 20);
  assert.deepEqual(r.recipients, [
    { address: 'neko@example.jp', action: 'failed', status: '5.0.0', diagnostic: '550 #5.1.0 Address rejected.' },
    { address: 'slow@example.jp', action: 'delayed', status: '4.4.1' },
  ]);
  assert.equal(r.originalMessageId, '<orig@example.jp>');
  assert.equal(r.envelopeId, 'env-1');
});

test('a group without a recipient address is not a recipient; at most the asked number are kept', () => {
  assert.deepEqual(readDeliveryStatus('Diagnostic-Code: smtp; 550\nAction: failed\n', newWorkMeter(), 20).recipients, []);
  const many = Array.from({ length: 50 }, (_, i) => `Final-Recipient: rfc822; r${i}@example.jp\nAction: failed\n`).join('\n');
  assert.equal(readDeliveryStatus(many, newWorkMeter(), 3).recipients.length, 3);
  assert.equal(readDeliveryStatus('Final-Recipient: rfc822; a@b.example\nAction: bogus\n', newWorkMeter(), 3).recipients[0]?.action, undefined);
});
