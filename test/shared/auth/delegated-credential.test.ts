import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DelegatedTokenCredential } from '../../../shared/auth/delegated-credential';
import { channelAccessToken } from '../../../shared/auth/channel-token';
import { imapScope } from '../../../shared/sources/imap-connection';
import { smtpScope } from '../../../shared/outbound/smtp';
import { newPkce, authorizationUrl, redeemCode, REAUTHORIZATION_REQUIRED } from '../../../shared/auth/delegated-client';
import type { OAuthAuth } from '../../../shared/auth/credential';
import { PermanentError } from '../../../shared/errors';
import { secretStore } from '../../../shared/secrets';
import { readSignIn, saveRefreshToken } from '../../../shared/store/channel-sign-in';
import { startGraphSimulator, type GraphSimulator } from '../../../devhost/graph-simulator';
import { answerConsent } from '../../../devhost/graph-simulator/consent-client';
import { rawRequest } from '../../../devhost/graph-simulator/raw-client';
import { useEmulatorEnv, type EmulatorEnv } from '../store/emulator-env';

const REDIRECT = 'http://127.0.0.1:7071/api/oauth/callback';
const GRAPH = 'https://graph.microsoft.com/.default';

/** Delegated tokens from the stored refresh token: the real MSAL, the Entra stand-in, the Cosmos emulator and the local secret file. */
describe('delegated access tokens for a signed-in channel', () => {
  let env: EmulatorEnv;
  let sim: GraphSimulator;
  let auth: OAuthAuth;
  const deps = () => ({ secrets: secretStore(), trustedCaPem: sim.caCertPem, targetPolicy: { allowPrivate: true } });

  before(async () => {
    env = await useEmulatorEnv();
    sim = await startGraphSimulator({ mailboxes: ['a@contoso.example', 'b@contoso.example'] });
    const clientSecret = await secretStore().set('test-client-secret', sim.app.clientSecret);
    auth = { type: 'oauth', flow: 'authorizationCode', tenantId: sim.app.tenantId, clientId: sim.app.clientId, clientSecret, tokenEndpoint: sim.tokenEndpoint(sim.app.tenantId), redirectUrl: REDIRECT, scopes: [] };
  });
  after(async () => {
    await sim.stop();
    await env.stop();
  });

  async function signIn(channelId: string, user: string): Promise<string> {
    const pkce = await newPkce();
    const url = await authorizationUrl(auth, sim.app.clientSecret, { protocol: 'graph', redirectUrl: REDIRECT, state: 's', codeChallenge: pkce.challenge, loginHint: user }, deps());
    const back = await answerConsent(sim, url, user);
    const tokens = await redeemCode(auth, sim.app.clientSecret, { protocol: 'graph', code: back.searchParams.get('code') ?? '', redirectUrl: REDIRECT, codeVerifier: pkce.verifier }, deps());
    assert.equal(await saveRefreshToken(channelId, tokens.refreshToken, secretStore(), { signIn: { account: tokens.account }, now: new Date() }), 'saved');
    return tokens.refreshToken;
  }

  const graphStatus = async (token: string, mailbox: string) =>
    (await rawRequest(sim, `${sim.graphBaseUrl}/users/${encodeURIComponent(mailbox)}/mailFolders/inbox`, { headers: { Authorization: `Bearer ${token}` } })).status;

  it('a token comes from the stored refresh token, the rotated refresh token replaces it, and the old secret is gone', async () => {
    const first = await signIn('ch-a', 'a@contoso.example');
    const before = await readSignIn('ch-a');
    const credential = new DelegatedTokenCredential('ch-a', auth, deps());
    const token = await credential.getToken(GRAPH);
    assert.equal(await graphStatus(token.token, 'a@contoso.example'), 200);
    const after = await readSignIn('ch-a');
    assert.equal(after?.record.generation, (before?.record.generation ?? 0) + 1);
    assert.notEqual(after?.record.secretName, before?.record.secretName);
    const stored = await secretStore().get(after?.record.secretName ?? '');
    assert.ok(stored && stored !== first, 'the rotated refresh token is stored');
    assert.equal(await secretStore().get(before?.record.secretName ?? ''), undefined, 'the spent one is deleted');
    await credential.getToken(GRAPH);
    assert.equal(credential.refreshes, 1, 'the access token is reused until near its expiry');
  });

  it('two instances refreshing at once both get tokens and the newest refresh token survives (no spent token is kept)', async () => {
    await signIn('ch-race', 'a@contoso.example');
    const redemptions = sim.refreshTokenRedemptions;
    const [x, y] = await Promise.all([new DelegatedTokenCredential('ch-race', auth, deps()).getToken(GRAPH), new DelegatedTokenCredential('ch-race', auth, deps()).getToken(GRAPH)]);
    assert.equal(await graphStatus(x.token, 'a@contoso.example'), 200);
    assert.equal(await graphStatus(y.token, 'a@contoso.example'), 200);
    assert.equal(sim.refreshTokenRedemptions, redemptions + 2);
    // The strict simulator spends each refresh token: a later refresh works only if the newest one was kept.
    assert.ok((await new DelegatedTokenCredential('ch-race', auth, deps()).getToken(GRAPH)).token);
  });

  it('a revoked grant marks that channel needsReauthorization with the provider\'s error, other channels keep working, and signing in again clears it', async () => {
    await signIn('ch-revoked', 'b@contoso.example');
    await signIn('ch-other', 'a@contoso.example');
    sim.revokeUserGrants('b@contoso.example');
    await assert.rejects(new DelegatedTokenCredential('ch-revoked', auth, deps()).getToken(GRAPH), (err: unknown) => err instanceof PermanentError && err.code === REAUTHORIZATION_REQUIRED);
    const marked = await readSignIn('ch-revoked');
    assert.equal(marked?.record.needsReauthorization?.code, REAUTHORIZATION_REQUIRED);
    assert.match(marked?.record.needsReauthorization?.message ?? '', /invalid_grant AADSTS50173/);
    const asked = sim.stats().tokenRequests;
    await assert.rejects(new DelegatedTokenCredential('ch-revoked', auth, deps()).getToken(GRAPH), /AADSTS50173/);
    assert.equal(sim.stats().tokenRequests, asked, 'later syncs end with the recorded error without asking the provider again');
    assert.equal(await graphStatus((await new DelegatedTokenCredential('ch-other', auth, deps()).getToken(GRAPH)).token, 'a@contoso.example'), 200);
    assert.equal((await readSignIn('ch-other'))?.record.needsReauthorization, undefined);

    await signIn('ch-revoked', 'b@contoso.example');
    assert.equal((await readSignIn('ch-revoked'))?.record.needsReauthorization, undefined);
    assert.equal(await graphStatus((await new DelegatedTokenCredential('ch-revoked', auth, deps()).getToken(GRAPH)).token, 'b@contoso.example'), 200);
  });

  it('a channel never signed in asks for a sign-in (needsReauthorization), without calling the provider', async () => {
    const before = sim.stats().tokenRequests;
    await assert.rejects(new DelegatedTokenCredential('ch-never', auth, deps()).getToken(GRAPH), /has not been signed in/);
    assert.equal(sim.stats().tokenRequests, before);
    assert.ok((await readSignIn('ch-never'))?.record.needsReauthorization);
  });

  it('IMAP and SMTP (XOAUTH2) of a signed-in channel get delegated Outlook tokens for the signed-in user from the same stored grant', async () => {
    await signIn('ch-imap', 'a@contoso.example');
    const imap = await channelAccessToken('ch-imap', auth, imapScope(auth), secretStore(), deps());
    const smtp = await channelAccessToken('ch-imap', auth, smtpScope(auth), secretStore(), deps());
    for (const token of [imap, smtp]) {
      const claims = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as { aud: string; upn: string };
      assert.deepEqual([claims.aud, claims.upn], ['https://outlook.office.com', 'a@contoso.example']);
    }
    assert.equal((await readSignIn('ch-imap'))?.record.generation, 3, 'the sign-in and each of the two redemptions stored a refresh token');
  });
});
