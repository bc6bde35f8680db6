import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSmtpSender } from '../../../shared/outbound/smtp';
import { countingDeps, graphOnly, storedImapWithManagedIdentity } from '../../support/stored-managed-identity';

test('an SMTP send borrowing a stored managed identity fails as SMTP_AUTH saying it works for Graph only', async () => {
  const { deps, counts } = countingDeps();
  await assert.rejects(
    createSmtpSender(storedImapWithManagedIdentity, deps).send({ from: { name: 'Service desk', address: 'desk@contoso.example' }, to: 'customer@example.org', subject: 'Re: x', text: 'y' }),
    graphOnly('SMTP_AUTH'),
  );
  assert.equal(counts.tokenRequests, 0);
});
