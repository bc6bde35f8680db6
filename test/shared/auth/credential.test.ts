import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  authorityHostOf,
  classifyTokenError,
  getAccessToken,
  GRAPH_DEFAULT_SCOPE,
  isMicrosoftAuthority,
  OUTLOOK_APP_SCOPE,
  xoauth2,
} from '../../../shared/auth/credential';
import { PermanentError, TransientError } from '../../../shared/errors';
import { startGraphSimulator, type GraphSimulator } from '../../../devhost/graph-simulator';
import { simulatorChannel } from '../../../devhost/graph-simulator/channel';
import { rawRequest } from '../../../devhost/graph-simulator/raw-client';

/** App-only tokens with the real @azure/identity against the Entra ID stand-in. */
describe('OAuth tokens for a channel', () => {
  let sim: GraphSimulator;

  before(async () => {
    sim = await startGraphSimulator({ mailboxes: ['imap@contoso.example'] });
  });
  after(async () => {
    await sim.stop();
  });

  it('gets an app-only token for Outlook IMAP/SMTP and reuses it until it expires', async () => {
    const { channel, deps } = simulatorChannel(sim, { id: 'tok-1' });
    const before = sim.stats().tokenRequests;
    const t1 = await getAccessToken(channel.connection.auth, deps, OUTLOOK_APP_SCOPE, { trustedCaPem: deps.trustedCaPem, targetPolicy: deps.targetPolicy });
    const t2 = await getAccessToken(channel.connection.auth, deps, OUTLOOK_APP_SCOPE, { trustedCaPem: deps.trustedCaPem, targetPolicy: deps.targetPolicy });
    assert.equal(t1, t2);
    assert.equal(sim.stats().tokenRequests, before + 1);
    const claims = JSON.parse(Buffer.from(t1.split('.')[1] ?? '', 'base64url').toString('utf8')) as { aud: string; appid: string };
    assert.equal(claims.aud, 'https://outlook.office365.com');
    assert.equal(claims.appid, sim.app.clientId);
  });

  it('a token for Outlook is not accepted by Graph (the audience is checked)', async () => {
    const { channel, deps } = simulatorChannel(sim, { id: 'tok-2' });
    const outlook = await getAccessToken(channel.connection.auth, deps, OUTLOOK_APP_SCOPE, { trustedCaPem: deps.trustedCaPem, targetPolicy: deps.targetPolicy });
    const graph = await getAccessToken(channel.connection.auth, deps, GRAPH_DEFAULT_SCOPE, { trustedCaPem: deps.trustedCaPem, targetPolicy: deps.targetPolicy });
    const url = `${sim.graphBaseUrl}/users/imap%40contoso.example/mailFolders/inbox`;
    assert.equal((await rawRequest(sim, url, { headers: { Authorization: `Bearer ${outlook}` } })).status, 401);
    assert.equal((await rawRequest(sim, url, { headers: { Authorization: `Bearer ${graph}` } })).status, 200);
  });

  it('a wrong client secret is a permanent AUTH_REJECTED naming invalid_client / AADSTS7000215, without the secret', async () => {
    const { channel, deps } = simulatorChannel(sim, { id: 'tok-3', clientSecret: 'not-the-secret-42' });
    await assert.rejects(getAccessToken(channel.connection.auth, deps, OUTLOOK_APP_SCOPE, { trustedCaPem: deps.trustedCaPem, targetPolicy: deps.targetPolicy }), (err: unknown) => {
      assert.ok(err instanceof PermanentError);
      assert.equal(err.code, 'AUTH_REJECTED');
      assert.match(err.message, /invalid_client AADSTS7000215/);
      assert.doesNotMatch(err.message, /not-the-secret-42/);
      return true;
    });
  });

  it('an unknown app id is refused permanently (AADSTS700016)', async () => {
    const { channel, deps } = simulatorChannel(sim, { id: 'tok-4' });
    const auth = { ...channel.connection.auth, clientId: '00000000-0000-0000-0000-000000000000' } as typeof channel.connection.auth;
    await assert.rejects(getAccessToken(auth, deps, OUTLOOK_APP_SCOPE, { trustedCaPem: deps.trustedCaPem, targetPolicy: deps.targetPolicy }), (err: unknown) => err instanceof PermanentError && /AADSTS700016/.test(err.message));
  });

  it('a secret missing from the store is a permanent error naming the field', async () => {
    const { channel } = simulatorChannel(sim, { id: 'tok-5' });
    await assert.rejects(getAccessToken(channel.connection.auth, { getSecret: async () => undefined }, OUTLOOK_APP_SCOPE), (err: unknown) => err instanceof PermanentError && err.code === 'AUTH_SECRET_MISSING' && /connection\.auth\.clientSecret/.test(err.message));
  });

  it('password auth cannot give an OAuth token', async () => {
    await assert.rejects(getAccessToken({ type: 'password' }, { getSecret: async () => 'x' }, OUTLOOK_APP_SCOPE), (err: unknown) => err instanceof PermanentError && err.code === 'AUTH_UNSUPPORTED');
  });

  it('the client secret never goes to a token endpoint the address policy refuses: metadata always, loopback unless allowed', async () => {
    const { channel, deps } = simulatorChannel(sim, { id: 'tok-7' });
    const before = sim.stats().tokenRequests;
    const at = (url: string) => ({ ...channel.connection.auth, tokenEndpoint: url }) as typeof channel.connection.auth;
    const refused = (err: unknown) => err instanceof PermanentError && err.code === 'CONNECT_TARGET_REFUSED';
    await assert.rejects(getAccessToken(at('https://169.254.169.254/t/oauth2/v2.0/token'), deps, OUTLOOK_APP_SCOPE, { targetPolicy: { allowPrivate: true } }), refused);
    // a name is checked after resolution, at connect time: "localhost" is loopback
    const viaName = sim.tokenEndpoint(sim.app.tenantId).replace('127.0.0.1', 'localhost');
    await assert.rejects(getAccessToken(at(viaName), deps, OUTLOOK_APP_SCOPE, { trustedCaPem: deps.trustedCaPem, targetPolicy: { allowPrivate: false } }), refused);
    await assert.rejects(getAccessToken(at(sim.tokenEndpoint(sim.app.tenantId)), deps, OUTLOOK_APP_SCOPE, { trustedCaPem: deps.trustedCaPem, targetPolicy: { allowPrivate: false } }), refused);
    assert.equal(sim.stats().tokenRequests, before, 'the token endpoint never heard of the secret');
  });

  it('an identity provider that cannot be reached is transient', async () => {
    const { channel, deps } = simulatorChannel(sim, { id: 'tok-6' });
    const auth = { ...channel.connection.auth, tokenEndpoint: `https://127.0.0.1:1/${sim.app.tenantId}/oauth2/v2.0/token` } as typeof channel.connection.auth;
    await assert.rejects(getAccessToken(auth, deps, OUTLOOK_APP_SCOPE, { trustedCaPem: deps.trustedCaPem, targetPolicy: deps.targetPolicy }), (err: unknown) => err instanceof TransientError && err.code === 'AUTH_UNAVAILABLE');
  });
});

describe('authority and XOAUTH2 helpers', () => {
  it('the authority host is the token endpoint\'s origin; only Microsoft\'s hosts keep instance discovery', () => {
    assert.equal(authorityHostOf('https://login.microsoftonline.us/contoso.onmicrosoft.com/oauth2/v2.0/token'), 'https://login.microsoftonline.us');
    assert.equal(authorityHostOf('https://127.0.0.1:8443/t/oauth2/v2.0/token'), 'https://127.0.0.1:8443');
    assert.equal(authorityHostOf(undefined), undefined);
    assert.equal(isMicrosoftAuthority('https://login.microsoftonline.com'), true);
    assert.equal(isMicrosoftAuthority(undefined), true);
    assert.equal(isMicrosoftAuthority('https://127.0.0.1:8443'), false);
  });

  it('XOAUTH2 is the SASL string IMAP and SMTP servers expect', () => {
    const decoded = Buffer.from(xoauth2('support@contoso.example', 'tok'), 'base64').toString('utf8');
    assert.equal(decoded, 'user=support@contoso.example\x01auth=Bearer tok\x01\x01');
  });

  it('an MSAL error message starting with an OAuth error code is classified by it', () => {
    const permanent = classifyTokenError(new Error('invalid_client: Error(s): 7000215 - Description: AADSTS7000215: Invalid client secret provided.'));
    assert.ok(permanent instanceof PermanentError);
    const transient = classifyTokenError(new Error('temporarily_unavailable: AADSTS50196: The server terminated an operation because it encountered a client request loop.'));
    assert.ok(transient instanceof TransientError);
  });
});
