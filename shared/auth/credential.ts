import { createHash } from 'node:crypto';
import https from 'node:https';
import tls from 'node:tls';
import { AuthenticationError, AzureAuthorityHosts, ClientSecretCredential, CredentialUnavailableError, type TokenCredential } from '@azure/identity';
import type { Auth } from '../config/channel';
import { MailChannelError, PermanentError, TransientError } from '../errors';
import { redactCredentials } from '../http/redact';
import { assertLiteralAllowed, guardedLookup, resolveConnectTarget, TARGET_REFUSED, targetPolicyFromEnv, targetRefusalIn, type TargetPolicy } from '../net/connect-target';
import { memoizeTokens } from './token-memo';

/**
 * App-only (client-credentials) tokens from Entra ID for a channel's OAuth settings.
 *
 * `tokenEndpoint`, when given, names the authority: its origin becomes @azure/identity's
 * `authorityHost` (sovereign clouds, or a local stand-in). Instance discovery is switched off
 * for hosts that are not Microsoft's, because discovery asks login.microsoftonline.com about
 * them. @azure/identity insists on https, so a local stand-in needs a certificate the process
 * trusts: `trustedCaPem` adds certificates to the system roots for this credential only.
 */

/** Microsoft Graph, app-only. */
export const GRAPH_DEFAULT_SCOPE = 'https://graph.microsoft.com/.default';
/** Exchange Online IMAP/SMTP (XOAUTH2), app-only. */
export const OUTLOOK_APP_SCOPE = 'https://outlook.office365.com/.default';

/** How a caller reads secrets: a `SecretStore`'s `get`, or anything shaped like it. */
export interface SecretLookup {
  getSecret(ref: string): Promise<string | undefined>;
}

export interface CredentialOptions {
  /** Extra CA certificates (PEM) to trust besides the system roots — local stand-ins only. */
  trustedCaPem?: string | string[];
  /** Which addresses the token endpoint may resolve to; default: the app setting MAIL_ALLOW_PRIVATE_HOSTS. */
  targetPolicy?: TargetPolicy;
}

export type OAuthAuth = Extract<Auth, { type: 'oauth' }>;

const MICROSOFT_AUTHORITY_HOSTS = new Set<string>(Object.values(AzureAuthorityHosts).map((h) => new URL(h).host));

/** The `authorityHost` for a token endpoint URL: its origin (`https://host[:port]`). */
export function authorityHostOf(tokenEndpoint: string | undefined): string | undefined {
  if (!tokenEndpoint) return undefined;
  return new URL(tokenEndpoint).origin;
}

export function isMicrosoftAuthority(authorityHost: string | undefined): boolean {
  return authorityHost === undefined || MICROSOFT_AUTHORITY_HOSTS.has(new URL(authorityHost).host);
}

/** System roots plus the extra PEMs, as `ca` options want them (a given `ca` replaces the defaults). */
export function caBundle(extra: string | string[] | undefined): string[] | undefined {
  if (!extra || extra.length === 0) return undefined;
  return [...tls.rootCertificates, ...(Array.isArray(extra) ? extra : [extra])];
}

/** The channel's OAuth settings; `flows` = the flows the caller can serve (app-only by default). */
export function requireOAuth(auth: Auth, what: string, flows: readonly OAuthAuth['flow'][] = ['clientCredentials']): OAuthAuth {
  if (auth.type !== 'oauth') {
    throw new PermanentError('AUTH_UNSUPPORTED', `${what} needs OAuth (auth.type "oauth"), the channel has auth.type "${auth.type}"`);
  }
  if (!flows.includes(auth.flow)) {
    throw new PermanentError('AUTH_UNSUPPORTED', `${what} supports only auth.flow ${flows.map((f) => `"${f}"`).join(' or ')}, the channel has "${auth.flow}"`);
  }
  return auth;
}

/** The client secret's value from the secret store; a clear error naming the field when absent. */
export async function readClientSecret(auth: OAuthAuth, secrets: SecretLookup): Promise<string> {
  if (!auth.clientSecret) throw new PermanentError('AUTH_SECRET_MISSING', 'connection.auth.clientSecret is not set');
  const value = await secrets.getSecret(auth.clientSecret.ref);
  if (!value) throw new PermanentError('AUTH_SECRET_MISSING', 'connection.auth.clientSecret is set but the secret store has no value for it');
  return value;
}

/** A `ClientSecretCredential` for the channel's app registration. */
export function createTokenCredential(auth: OAuthAuth, clientSecret: string, opts: CredentialOptions = {}): TokenCredential {
  const authorityHost = authorityHostOf(auth.tokenEndpoint);
  const ca = caBundle(opts.trustedCaPem);
  const policy = opts.targetPolicy ?? targetPolicyFromEnv();
  // The client secret goes to the token endpoint: it gets the address check the mail servers get.
  if (authorityHost) assertLiteralAllowed(new URL(authorityHost).hostname, policy, 'connection.auth.tokenEndpoint');
  return new ClientSecretCredential(auth.tenantId, auth.clientId, clientSecret, {
    ...(authorityHost ? { authorityHost } : {}),
    ...(isMicrosoftAuthority(authorityHost) ? {} : { disableInstanceDiscovery: true }),
    // Every socket of this credential resolves through the address check (the agent replaces tlsOptions).
    agent: new https.Agent({ keepAlive: true, lookup: guardedLookup(policy), ...(ca ? { ca } : {}) }),
    // Retries of the token call itself are the caller's business (queue redelivery).
    retryOptions: { maxRetries: 1 },
  });
}

/**
 * Refuses a token endpoint whose host resolves to an address the policy does not allow, with
 * a clear permanent error, before any secret is handed to the identity library. (The
 * credential's sockets check again at connect time, so a name that rebinds in between gets
 * no connection either; the library reports that only as "cannot be reached".)
 */
export async function assertTokenEndpointAllowed(auth: OAuthAuth, opts: CredentialOptions = {}): Promise<void> {
  const authorityHost = authorityHostOf(auth.tokenEndpoint);
  if (!authorityHost) return; // Microsoft's public authority
  await resolveConnectTarget(new URL(authorityHost).hostname, opts.targetPolicy ?? targetPolicyFromEnv(), 'connection.auth.tokenEndpoint').catch((err: unknown) => {
    if (err instanceof MailChannelError && err.code === TARGET_REFUSED) throw err;
    // unresolvable: the identity library reports it in its own words
  });
}

/** OAuth errors that mean the configuration is wrong: a retry cannot help. */
const PERMANENT_OAUTH_ERRORS = new Set(['invalid_client', 'unauthorized_client', 'invalid_request', 'invalid_scope', 'invalid_grant', 'invalid_tenant', 'unsupported_grant_type']);

/** Why a token could not be had, as a typed error whose message never carries the secret. */
export function classifyTokenError(err: unknown): MailChannelError {
  if (err instanceof MailChannelError) return err;
  const refused = targetRefusalIn(err);
  if (refused) return refused;
  const message = err instanceof Error ? err.message : String(err);
  // @azure/identity passes Entra's answer on either as AuthenticationError (with the parsed
  // body) or, from MSAL, as an error whose message starts with the OAuth error code:
  // "invalid_client: Error(s): 7000215 - … AADSTS7000215: Invalid client secret provided. …".
  const oauth = err instanceof AuthenticationError ? err.errorResponse?.error ?? '' : (/^([a-z_]+):\s/.exec(message)?.[1] ?? '');
  const aadsts = /AADSTS(\d+)/.exec(err instanceof AuthenticationError ? (err.errorResponse?.errorDescription ?? message) : message)?.[1];
  const description = redactCredentials(/AADSTS\d+:\s*([^\r\n]*)/.exec(message)?.[1] ?? message.split(/\r?\n/)[0] ?? '');
  const what = [oauth, aadsts ? `AADSTS${aadsts}` : ''].filter(Boolean).join(' ');
  const status = err instanceof AuthenticationError ? err.statusCode : undefined;
  if (PERMANENT_OAUTH_ERRORS.has(oauth) || status === 400 || status === 401) {
    return new PermanentError('AUTH_REJECTED', `the identity provider refused the app's credentials (${what || status}): ${description}`, { cause: err });
  }
  if (err instanceof CredentialUnavailableError) {
    return new TransientError('AUTH_UNAVAILABLE', `the identity provider cannot be reached or resolved (check connection.auth.tokenEndpoint and tenantId): ${description}`, { cause: err });
  }
  return new TransientError('AUTH_UNAVAILABLE', `no token from the identity provider${what ? ` (${what})` : ''}: ${description}`, { cause: err });
}

/** Credentials are cached per app + secret (hashed), so MSAL's token cache is reused across calls. */
const credentials = new Map<string, TokenCredential>();

function cacheKey(auth: OAuthAuth, secret: string, opts: CredentialOptions): string {
  const h = createHash('sha256').update(secret).update('\0').update(JSON.stringify([opts.trustedCaPem ?? null, opts.targetPolicy ?? null])).digest('hex');
  return [auth.tokenEndpoint ?? '', auth.tenantId, auth.clientId, h].join('|');
}

/**
 * The process-wide credential of an app (created on first use). Sharing it shares its
 * token cache: a mail source opened per mail asks the identity provider once per token
 * lifetime, not once per mail; and its tokens are kept in front of MSAL (auth/token-memo.ts).
 */
export function cachedTokenCredential(auth: OAuthAuth, secret: string, opts: CredentialOptions = {}): TokenCredential {
  const key = cacheKey(auth, secret, opts);
  let credential = credentials.get(key);
  if (!credential) {
    credential = memoizeTokens(createTokenCredential(auth, secret, opts));
    credentials.set(key, credential);
  }
  return credential;
}

/** Forgets a cached credential (after the service refused its token), so the next use starts afresh. */
export function forgetTokenCredential(auth: OAuthAuth, secret: string, opts: CredentialOptions = {}): void {
  credentials.delete(cacheKey(auth, secret, opts));
}

/**
 * An access token for `scope` with the channel's app credentials — e.g. `OUTLOOK_APP_SCOPE`
 * for IMAP/SMTP XOAUTH2, `GRAPH_DEFAULT_SCOPE` for Graph. Tokens are cached until near expiry.
 * Throws `PermanentError` (bad or missing credentials) or `TransientError` (try again).
 */
export async function getAccessToken(channelAuth: Auth, secrets: SecretLookup, scope: string, opts: CredentialOptions = {}): Promise<string> {
  const auth = requireOAuth(channelAuth, 'an OAuth token');
  const secret = await readClientSecret(auth, secrets);
  await assertTokenEndpointAllowed(auth, opts);
  const key = cacheKey(auth, secret, opts);
  const credential = cachedTokenCredential(auth, secret, opts);
  try {
    const token = await credential.getToken(scope);
    if (!token) throw new TransientError('AUTH_UNAVAILABLE', 'the identity provider returned no token');
    return token.token;
  } catch (err) {
    const classified = classifyTokenError(err);
    if (!classified.retryable) credentials.delete(key);
    throw classified;
  }
}

/** The SASL XOAUTH2 initial response for IMAP/SMTP: base64("user=" user ^A "auth=Bearer " token ^A ^A). */
export function xoauth2(user: string, accessToken: string): string {
  return Buffer.from(`user=${user}\x01auth=Bearer ${accessToken}\x01\x01`, 'utf8').toString('base64');
}
