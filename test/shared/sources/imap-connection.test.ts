import { test } from 'node:test';
import assert from 'node:assert/strict';
import { imapClientOptions, type ImapConnection } from '../../../shared/sources/imap-connection';
import { countingDeps, graphOnly, storedImapWithManagedIdentity } from '../../support/stored-managed-identity';

test('an IMAP login with a stored managed identity fails as IMAP_AUTH saying it works for Graph only', async () => {
  const { deps, counts } = countingDeps();
  await assert.rejects(imapClientOptions(storedImapWithManagedIdentity.connection as ImapConnection, deps), graphOnly('IMAP_AUTH'));
  assert.equal(counts.tokenRequests, 0);
});
