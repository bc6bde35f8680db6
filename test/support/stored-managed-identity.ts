import { ChannelRecord } from '../../shared/config/channel';
import { MailChannelError } from '../../shared/errors';

/**
 * A stored record is never refined (it always loads), so an IMAP/SMTP channel holding a
 * managed identity can exist (written before the rule, or by hand). The IMAP and SMTP
 * tests use this record to show that where it would log in, it fails permanently with the
 * reason, and no token is asked for.
 */
const audit = { id: 'ch', status: 'published', createdAt: '2024-01-01T00:00:00.000Z', createdBy: 't', updatedAt: '2024-01-01T00:00:00.000Z', updatedBy: 't' } as const;
export const storedImapWithManagedIdentity = ChannelRecord.parse({
  ...audit,
  name: 'Stored IMAP with a managed identity',
  connection: { protocol: 'imap', host: '127.0.0.1', port: 9, username: 'desk@contoso.example', auth: { type: 'managedIdentity' }, smtp: { host: '127.0.0.1', port: 9 } },
  ticketMapping: { templateId: 'it-support' },
});

/** Connection deps that count token requests (there must be none). */
export function countingDeps() {
  const counts = { tokenRequests: 0 };
  const deps = {
    getSecret: async () => undefined,
    getAccessToken: async () => {
      counts.tokenRequests++;
      return 'token';
    },
    targetPolicy: { allowPrivate: true },
  };
  return { deps, counts };
}

export const graphOnly = (code: string) => (err: unknown) => err instanceof MailChannelError && err.code === code && !err.retryable && /works for protocol "graph" only/.test(err.message);
