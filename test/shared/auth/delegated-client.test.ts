import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { authorizationUrl, newPkce, redeemCode, refreshTokens, REAUTHORIZATION_REQUIRED } from '../../../shared/auth/delegated-client';
import type { OAuthAuth } from '../../../shared/auth/credential';
import { PermanentError } from '../../../shared/errors';
import { startGraphSimulator, type GraphSimulator } from '../../../devhost/graph-simulator';
import { answerConsent } from '../../../devhost/graph-simulator/consent-client';
import { rawRequest } from '../../../devhost/graph-simulator/raw-client';

const USER = 'helpdesk@contoso.example';
const REDIRECT = 'http://127.0.0.1:7071/api/oauth/callback';
const GRAPH = 'https://graph.microsoft.com/.default';

/** The authorization-code flow with the real MSAL against the Entra stand-in's consent page. */
describe('delegated sign-in (authorization code + PKCE, refresh with rotation)', () => {
  let sim: GraphSimulator;
  let auth: OAuthAuth;
  const opts = () => ({ trustedCaPem: sim.caCertPem, targetPolicy: { allowPrivate: true } });

  before(async () => {
    sim = await startGraphSimulator({ mailboxes: [USER] });
    auth = { type: 'oauth', flow: 'authorizationCode', tenantId: sim.app.tenantId, clientId: sim.app.clientId, tokenEndpoint: sim.tokenEndpoint(sim.app.tenantId), redirectUrl: REDIRECT, scopes: [] };
  });
  after(async () => {
    await sim.stop();
  });

  async function signIn(state = 'st-1', user = USER) {
    const pkce = await newPkce();
    const url = await authorizationUrl(auth, sim.app.clientSecret, { protocol: 'graph', redirectUrl: REDIRECT, state, codeChallenge: pkce.challenge, loginHint: user }, opts());
    const back = await answerConsent(sim, url, user);
    return { url: new URL(url), back, pkce };
  }

  it('the authorization URL carries PKCE S256 and our state; consent returns a code with that state', async () => {
    const { url, back, pkce } = await signIn('state-abc');
    assert.equal(url.pathname, `/${sim.app.tenantId}/oauth2/v2.0/authorize`);
    assert.equal(url.searchParams.get('code_challenge_method'), 'S256');
    assert.equal(url.searchParams.get('code_challenge'), pkce.challenge);
    assert.equal(url.searchParams.get('state'), 'state-abc');
    assert.ok(!url.toString().includes(pkce.verifier), 'the verifier never leaves the server');
    assert.equal(back.origin + back.pathname, REDIRECT);
    assert.equal(back.searchParams.get('state'), 'state-abc');
    assert.ok(back.searchParams.get('code'));
  });

  it('the code and its PKCE verifier buy a delegated Graph token for the user\'s mailbox and a refresh token', async () => {
    const { back, pkce } = await signIn();
    const tokens = await redeemCode(auth, sim.app.clientSecret, { protocol: 'graph', code: back.searchParams.get('code') ?? '', redirectUrl: REDIRECT, codeVerifier: pkce.verifier }, opts());
    assert.ok(tokens.refreshToken);
    assert.equal(tokens.account, USER);
    const url = `${sim.graphBaseUrl}/users/${encodeURIComponent(USER)}/mailFolders/inbox`;
    assert.equal((await rawRequest(sim, url, { headers: { Authorization: `Bearer ${tokens.accessToken}` } })).status, 200);
    const other = `${sim.graphBaseUrl}/users/${encodeURIComponent('someone@contoso.example')}/mailFolders/inbox`;
    assert.equal((await rawRequest(sim, other, { headers: { Authorization: `Bearer ${tokens.accessToken}` } })).status, 403, 'a delegated token opens its own user\'s mailbox only');
  });

  it('a code with the wrong PKCE verifier is refused, and a code works once', async () => {
    const { back, pkce } = await signIn();
    const code = back.searchParams.get('code') ?? '';
    const wrong = await newPkce();
    await assert.rejects(redeemCode(auth, sim.app.clientSecret, { protocol: 'graph', code, redirectUrl: REDIRECT, codeVerifier: wrong.verifier }, opts()), /AADSTS501481/);
    await assert.rejects(redeemCode(auth, sim.app.clientSecret, { protocol: 'graph', code, redirectUrl: REDIRECT, codeVerifier: pkce.verifier }, opts()), /AADSTS70000/, 'the code was used by the first attempt');
  });

  it('each refresh returns a new refresh token and spends the old one', async () => {
    const { back, pkce } = await signIn();
    const first = await redeemCode(auth, sim.app.clientSecret, { protocol: 'graph', code: back.searchParams.get('code') ?? '', redirectUrl: REDIRECT, codeVerifier: pkce.verifier }, opts());
    const before = sim.refreshTokenRedemptions;
    const calls = sim.requests.length;
    const second = await refreshTokens(auth, sim.app.clientSecret, first.refreshToken, GRAPH, opts());
    assert.notEqual(second.refreshToken, first.refreshToken);
    assert.equal(sim.refreshTokenRedemptions, before + 1);
    assert.deepEqual(sim.requests.slice(calls).map((r) => r.endpoint), ['token'], 'one call per refresh: the authority\'s OpenID configuration is read once per process');
    const third = await refreshTokens(auth, sim.app.clientSecret, second.refreshToken, 'https://outlook.office365.com/.default', opts());
    const claims = JSON.parse(Buffer.from(third.accessToken.split('.')[1] ?? '', 'base64url').toString('utf8')) as { aud: string; upn: string };
    assert.deepEqual([claims.aud, claims.upn], ['https://outlook.office365.com', USER], 'the same grant gives an IMAP/SMTP (XOAUTH2) token');
    await assert.rejects(refreshTokens(auth, sim.app.clientSecret, first.refreshToken, GRAPH, opts()), (err: unknown) => err instanceof PermanentError && err.code === REAUTHORIZATION_REQUIRED);
  });

  it('a revoked grant fails for good: AUTH_REAUTHORIZATION_REQUIRED with the provider\'s error, and signing in again works', async () => {
    const { back, pkce } = await signIn('s', 'revoked@contoso.example');
    const tokens = await redeemCode(auth, sim.app.clientSecret, { protocol: 'graph', code: back.searchParams.get('code') ?? '', redirectUrl: REDIRECT, codeVerifier: pkce.verifier }, opts());
    assert.equal(sim.revokeUserGrants('revoked@contoso.example'), 1);
    await assert.rejects(refreshTokens(auth, sim.app.clientSecret, tokens.refreshToken, GRAPH, opts()), (err: unknown) => {
      assert.ok(err instanceof PermanentError);
      assert.equal(err.code, REAUTHORIZATION_REQUIRED);
      assert.match(err.message, /invalid_grant AADSTS50173/);
      assert.ok(!err.message.includes(tokens.refreshToken));
      return true;
    });
    const again = await signIn('s2', 'revoked@contoso.example');
    const fresh = await redeemCode(auth, sim.app.clientSecret, { protocol: 'graph', code: again.back.searchParams.get('code') ?? '', redirectUrl: REDIRECT, codeVerifier: again.pkce.verifier }, opts());
    assert.ok((await refreshTokens(auth, sim.app.clientSecret, fresh.refreshToken, GRAPH, opts())).accessToken);
  });

  it('an expired refresh token is AUTH_REAUTHORIZATION_REQUIRED (AADSTS700082)', async () => {
    const { back, pkce } = await signIn('e', 'expired@contoso.example');
    const tokens = await redeemCode(auth, sim.app.clientSecret, { protocol: 'graph', code: back.searchParams.get('code') ?? '', redirectUrl: REDIRECT, codeVerifier: pkce.verifier }, opts());
    sim.expireRefreshTokens();
    await assert.rejects(refreshTokens(auth, sim.app.clientSecret, tokens.refreshToken, GRAPH, opts()), /AADSTS700082/);
  });

  it('declining consent comes back as access_denied with our state', async () => {
    const pkce = await newPkce();
    const url = await authorizationUrl(auth, sim.app.clientSecret, { protocol: 'graph', redirectUrl: REDIRECT, state: 'no', codeChallenge: pkce.challenge }, opts());
    const back = await answerConsent(sim, url, USER, 'cancel');
    assert.equal(back.searchParams.get('error'), 'access_denied');
    assert.equal(back.searchParams.get('state'), 'no');
  });
});
