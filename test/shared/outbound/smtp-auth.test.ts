import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ChannelRecord } from '../../../shared/config/channel';
import { MailChannelError } from '../../../shared/errors';
import { createSmtpSender } from '../../../shared/outbound/smtp';

/**
 * A stored record is never refined (it always loads), so an IMAP/SMTP channel holding a
 * managed identity can exist (written before the rule, or by hand): where it would log in,
 * it fails permanently with the reason, and no token is asked for.
 */
const audit = { id: 'ch', status: 'published', createdAt: '2024-01-01T00:00:00.000Z', createdBy: 't', updatedAt: '2024-01-01T00:00:00.000Z', updatedBy: 't' } as const;
const record = ChannelRecord.parse({
  ...audit,
  name: 'Stored IMAP with a managed identity',
  connection: { protocol: 'imap', host: '127.0.0.1', port: 9, username: 'desk@contoso.example', auth: { type: 'managedIdentity' }, smtp: { host: '127.0.0.1', port: 9 } },
  ticketMapping: { templateId: 'it-support' },
});

let tokenRequests = 0;
const deps = {
  getSecret: async () => undefined,
  getAccessToken: async () => {
    tokenRequests++;
    return 'token';
  },
  targetPolicy: { allowPrivate: true },
};
const graphOnly = (code: string) => (err: unknown) => err instanceof MailChannelError && err.code === code && !err.retryable && /works for protocol "graph" only/.test(err.message);

test('an SMTP send borrowing a stored managed identity fails as SMTP_AUTH saying it works for Graph only', async () => {
  await assert.rejects(createSmtpSender(record, deps).send({ from: { name: 'Service desk', address: 'desk@contoso.example' }, to: 'customer@example.org', subject: 'Re: x', text: 'y' }), graphOnly('SMTP_AUTH'));
  assert.equal(tokenRequests, 0);
});
