import https from 'node:https';
import { ConfidentialClientApplication, CryptoProvider, type INetworkModule, type NetworkRequestOptions, type NetworkResponse } from '@azure/msal-node';
import { MailChannelError, PermanentError } from '../errors';
import { assertLiteralAllowed, guardedLookup, targetPolicyFromEnv } from '../net/connect-target';
import { authorityHostOf, caBundle, classifyTokenError, isMicrosoftAuthority, type CredentialOptions, type OAuthAuth } from './credential';

/**
 * The authorization-code flow (delegated access: a user signs in once, the channel keeps a
 * refresh token) through MSAL: the authorization URL with PKCE, the code exchange, and the
 * refresh that rotates the refresh token. MSAL keeps refresh tokens in its token cache rather
 * than handing them out, so each operation runs on a fresh client and reads the one refresh
 * token from that client's cache: the channel's secret store, not a process cache, is where
 * the token lives between calls.
 */

/** Default delegated scopes per protocol (the refresh token carries them; MSAL adds openid, profile, offline_access). */
export const DELEGATED_SCOPES = {
  graph: ['https://graph.microsoft.com/Mail.ReadWrite', 'https://graph.microsoft.com/Mail.Send'],
  imap: ['https://outlook.office365.com/IMAP.AccessAsUser.All', 'https://outlook.office365.com/SMTP.Send'],
} as const;

export interface DelegatedTokens {
  accessToken: string;
  expiresOn: Date;
  /** The refresh token to keep (a new one after every redemption: rotation). */
  refreshToken: string;
  /** The signed-in account (preferred_username), when the provider says. */
  account?: string;
}

/** invalid_grant and its kin: the grant itself is gone (revoked, expired, consent withdrawn); only a new sign-in helps. */
export const REAUTHORIZATION_REQUIRED = 'AUTH_REAUTHORIZATION_REQUIRED';

const DISCOVERY_SUFFIX = '/.well-known/openid-configuration';
const discoveryCache = new Map<string, NetworkResponse<unknown>>();

/** MSAL's HTTP through the channel's address policy and extra CAs (MSAL's own client takes neither). */
function networkClient(opts: CredentialOptions): INetworkModule {
  const ca = caBundle(opts.trustedCaPem);
  const agent = new https.Agent({ keepAlive: false, lookup: guardedLookup(opts.targetPolicy ?? targetPolicyFromEnv()), ...(ca ? { ca } : {}) });
  const send = <T>(method: 'GET' | 'POST', url: string, options?: NetworkRequestOptions, timeout?: number): Promise<NetworkResponse<T>> =>
    new Promise((resolve, reject) => {
      const req = https.request(url, { method, agent, headers: options?.headers ?? {}, timeout: timeout ?? 30_000 }, (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          // Token responses are a few KB; a provider that streams megabytes is not one.
          if (size > 1 << 20) req.destroy(new Error('token endpoint response larger than 1 MB'));
          else chunks.push(c);
        });
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let body: unknown;
          try {
            body = text ? JSON.parse(text) : {};
          } catch {
            body = { error: 'invalid_response', error_description: `not JSON (HTTP ${res.statusCode ?? 0})` };
          }
          const headers = Object.fromEntries(Object.entries(res.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : (v ?? '')]));
          resolve({ status: res.statusCode ?? 0, headers, body: body as T });
        });
        res.on('error', reject);
      });
      req.on('timeout', () => req.destroy(new Error('token endpoint timed out')));
      req.on('error', reject);
      if (method === 'POST' && options?.body) req.write(options.body);
      req.end();
    });
  return {
    sendGetRequestAsync: async <T>(url: string, options?: NetworkRequestOptions, timeout?: number) => {
      // MSAL reads the authority's OpenID configuration on every fresh client; it is static, so once per process.
      if (!url.endsWith(DISCOVERY_SUFFIX)) return send<T>('GET', url, options, timeout);
      const hit = discoveryCache.get(url);
      if (hit) return hit as NetworkResponse<T>;
      const res = await send<T>('GET', url, options, timeout);
      if (res.status === 200) discoveryCache.set(url, res);
      return res;
    },
    sendPostRequestAsync: (url, options) => send('POST', url, options),
  };
}

/** A fresh MSAL client for the channel's app (fresh cache: the refresh token in it is the one of this call). */
function msalClient(auth: OAuthAuth, clientSecret: string, opts: CredentialOptions): ConfidentialClientApplication {
  const authorityHost = authorityHostOf(auth.tokenEndpoint) ?? 'https://login.microsoftonline.com';
  assertLiteralAllowed(new URL(authorityHost).hostname, opts.targetPolicy ?? targetPolicyFromEnv(), 'connection.auth.tokenEndpoint');
  return new ConfidentialClientApplication({
    auth: {
      clientId: auth.clientId,
      clientSecret,
      authority: `${authorityHost}/${encodeURIComponent(auth.tenantId)}`,
      // A host that is not Microsoft's is trusted as configured (no instance discovery at login.microsoftonline.com).
      ...(isMicrosoftAuthority(authorityHost) ? {} : { knownAuthorities: [new URL(authorityHost).host] }),
    },
    system: { networkClient: networkClient(opts) },
  });
}

function scopesOf(auth: OAuthAuth, protocol: keyof typeof DELEGATED_SCOPES): string[] {
  return auth.scopes.length > 0 ? [...auth.scopes] : [...DELEGATED_SCOPES[protocol]];
}

/** The one refresh token in a client's cache after a token call. */
function refreshTokenIn(client: ConfidentialClientApplication): string {
  const cache = JSON.parse(client.getTokenCache().serialize()) as { RefreshToken?: Record<string, { secret?: string }> };
  const token = Object.values(cache.RefreshToken ?? {})[0]?.secret;
  if (!token) throw new PermanentError('AUTH_NO_REFRESH_TOKEN', 'the identity provider returned no refresh token: the app must be allowed offline_access');
  return token;
}

export function newPkce(): Promise<{ verifier: string; challenge: string }> {
  return new CryptoProvider().generatePkceCodes();
}

/** Where to send the admin's browser: the provider's authorization endpoint with PKCE (S256) and our state. */
export async function authorizationUrl(
  auth: OAuthAuth,
  clientSecret: string,
  input: { protocol: keyof typeof DELEGATED_SCOPES; redirectUrl: string; state: string; codeChallenge: string; loginHint?: string },
  opts: CredentialOptions = {},
): Promise<string> {
  try {
    return await msalClient(auth, clientSecret, opts).getAuthCodeUrl({
      scopes: scopesOf(auth, input.protocol),
      redirectUri: input.redirectUrl,
      state: input.state,
      codeChallenge: input.codeChallenge,
      codeChallengeMethod: 'S256',
      responseMode: 'query',
      prompt: 'select_account',
      ...(input.loginHint ? { loginHint: input.loginHint } : {}),
    });
  } catch (err) {
    throw classifyTokenError(err);
  }
}

/** Exchanges the callback's code (with the PKCE verifier) for tokens. */
export async function redeemCode(
  auth: OAuthAuth,
  clientSecret: string,
  input: { protocol: keyof typeof DELEGATED_SCOPES; code: string; redirectUrl: string; codeVerifier: string },
  opts: CredentialOptions = {},
): Promise<DelegatedTokens> {
  const client = msalClient(auth, clientSecret, opts);
  try {
    const result = await client.acquireTokenByCode({ code: input.code, scopes: scopesOf(auth, input.protocol), redirectUri: input.redirectUrl, codeVerifier: input.codeVerifier });
    return { accessToken: result.accessToken, expiresOn: result.expiresOn ?? new Date(Date.now() + 3_000_000), refreshToken: refreshTokenIn(client), ...(result.account?.username ? { account: result.account.username } : {}) };
  } catch (err) {
    throw classifyGrantError(err);
  }
}

/** Redeems the refresh token for an access token to `scope` and the next refresh token. */
export async function refreshTokens(auth: OAuthAuth, clientSecret: string, refreshToken: string, scope: string, opts: CredentialOptions = {}): Promise<DelegatedTokens> {
  const client = msalClient(auth, clientSecret, opts);
  try {
    // IMAP/SMTP scopes come as one space-separated string (e.g. "…/IMAP.AccessAsUser.All offline_access").
    const result = await client.acquireTokenByRefreshToken({ refreshToken, scopes: scope.split(' ').filter(Boolean), forceCache: true });
    if (!result) throw new PermanentError(REAUTHORIZATION_REQUIRED, 'the identity provider returned no token for the stored refresh token');
    return { accessToken: result.accessToken, expiresOn: result.expiresOn ?? new Date(Date.now() + 3_000_000), refreshToken: refreshTokenIn(client) };
  } catch (err) {
    throw classifyGrantError(err);
  }
}

/** invalid_grant (the grant is gone) → AUTH_REAUTHORIZATION_REQUIRED with the provider's words; everything else as for app tokens. */
export function classifyGrantError(err: unknown): MailChannelError {
  if (err instanceof MailChannelError) return err;
  const code = typeof err === 'object' && err !== null && 'errorCode' in err ? String((err as { errorCode: unknown }).errorCode) : '';
  if (code === 'invalid_grant' || code === 'interaction_required' || code === 'consent_required') {
    const classified = classifyTokenError(err);
    return new PermanentError(REAUTHORIZATION_REQUIRED, `sign in again: ${classified.message.replace(/^the identity provider refused the app's credentials /, 'the identity provider refused the stored sign-in ')}`, { cause: err });
  }
  return classifyTokenError(err);
}
