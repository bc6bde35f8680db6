import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ChannelRecord } from '../../../shared/config/channel';
import { imapClientOptions, openImapClient, type ImapConnection, type ImapDeps } from '../../../shared/sources/imap-connection';
import { startDovecot } from '../../support/dovecot';
import { countingDeps, graphOnly, storedImapWithManagedIdentity } from '../../support/stored-managed-identity';

test('an IMAP login with a stored managed identity fails as IMAP_AUTH saying it works for Graph only', async () => {
  const { deps, counts } = countingDeps();
  await assert.rejects(imapClientOptions(storedImapWithManagedIdentity.connection as ImapConnection, deps), graphOnly('IMAP_AUTH'));
  assert.equal(counts.tokenRequests, 0);
});

test('an XOAUTH2 token the server refuses at login is forgotten and the login tried once more with a fresh one; without that hook, or with a password, no second try', async () => {
  const user = 'xoauth@example.com';
  const d = await startDovecot({ users: [{ user, password: 'xoauth-pw' }] });
  try {
    const at = '2026-12-01T00:00:00.000Z';
    const connection = (auth: unknown) => ChannelRecord.parse({
      id: 'ch-x', status: 'published', name: 'x', ticketMapping: { templateId: 'it-support' }, createdAt: at, createdBy: 't', updatedAt: at, updatedBy: 't',
      connection: { protocol: 'imap', host: d.host, port: d.tlsPort, tls: 'implicit', username: user, auth, settings: {} },
    }).connection as ImapConnection;
    const oauth = connection({ type: 'oauth', flow: 'authorizationCode', tenantId: 't', clientId: 'c', scopes: [] });
    // A token revoked before its expiry, still cached by the app; the grant gives a fresh one once asked anew.
    const revoked = d.issueAccessToken(user);
    d.revokeAccessToken(revoked);
    const counts = { asked: 0, rejected: 0 };
    let cached = revoked;
    const deps: ImapDeps = {
      getSecret: async () => undefined,
      getAccessToken: async () => { counts.asked++; return cached; },
      rejectedAccessToken: () => { counts.rejected++; cached = d.issueAccessToken(user); },
      tlsOptions: { ca: d.caCertPem },
      targetPolicy: { allowPrivate: true },
    };
    const client = await openImapClient(oauth, deps);
    await client.logout();
    assert.deepEqual(counts, { asked: 2, rejected: 1 });

    // Refused again after the fresh token (the grant is gone too): the second refusal is the answer, no third try.
    const stubborn = { asked: 0, rejected: 0 };
    const refusing: ImapDeps = { ...deps, getAccessToken: async () => { stubborn.asked++; return revoked; }, rejectedAccessToken: () => { stubborn.rejected++; } };
    await assert.rejects(openImapClient(oauth, refusing), { code: 'IMAP_AUTH' });
    assert.deepEqual(stubborn, { asked: 2, rejected: 1 });

    // No hook: one try. A password refused: one try (nothing to redeem anew).
    const once = { asked: 0 };
    await assert.rejects(openImapClient(oauth, { ...deps, getAccessToken: async () => { once.asked++; return revoked; }, rejectedAccessToken: undefined }), { code: 'IMAP_AUTH' });
    assert.equal(once.asked, 1);
    const secrets = { read: 0 };
    const password = connection({ type: 'password', password: { ref: 'pw', updatedAt: at } });
    await assert.rejects(openImapClient(password, { ...deps, getSecret: async () => { secrets.read++; return 'wrong'; } }), { code: 'IMAP_AUTH' });
    assert.equal(secrets.read, 1);
    assert.equal(counts.rejected, 1, 'a refused password forgets no token');
  } finally {
    await d.stop();
  }
});
