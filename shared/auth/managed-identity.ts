import { ManagedIdentityCredential, type TokenCredential } from '@azure/identity';
import type { ManagedIdentityAuth } from '../config/channel';
import { MailChannelError, PermanentError, TransientError } from '../errors';
import { redactCredentials } from '../http/redact';
import { memoizeTokens } from './token-memo';

/**
 * Tokens of the Function App's own managed identity (auth.type "managedIdentity").
 *
 * On Azure Functions (Flex Consumption, like App Service) the platform sets IDENTITY_ENDPOINT
 * and IDENTITY_HEADER; @azure/identity (through MSAL's App Service source) then sends
 *   GET {IDENTITY_ENDPOINT}?api-version=2019-08-01&resource=https://graph.microsoft.com[&client_id=…]
 *   X-IDENTITY-HEADER: {IDENTITY_HEADER}
 * and reads `access_token`, `expires_on` (epoch seconds, a string), `token_type`, `resource`.
 * The endpoint is the platform's, on loopback over plain http: it comes from the environment
 * only — no channel field can name it — so it is not a mail target and the address policy
 * (shared/net/) is not asked about it.
 *
 * Without those two settings MSAL would fall back to IMDS (169.254.169.254) and retry for tens
 * of seconds; a Function App has no IMDS, so the missing endpoint is refused at once instead.
 */

export interface ManagedIdentityEnvironment {
  IDENTITY_ENDPOINT?: string | undefined;
  IDENTITY_HEADER?: string | undefined;
}

/** Why this process cannot use a managed identity, or undefined when it can. */
export function managedIdentityUnavailable(env: ManagedIdentityEnvironment = process.env): string | undefined {
  if (env.IDENTITY_ENDPOINT && env.IDENTITY_HEADER) return undefined;
  return 'this host has no managed identity endpoint (the app settings IDENTITY_ENDPOINT and IDENTITY_HEADER, which Azure Functions sets when the Function App has an identity, are not set): turn on the Function App\'s identity, or use auth.type "oauth"';
}

/** Which identity a channel's tokens come from: a user-assigned one by client id, or the system-assigned one. */
export function managedIdentityKey(auth: ManagedIdentityAuth): string {
  return auth.managedIdentityClientId?.toLowerCase() ?? 'system';
}

/** The credential for a channel's managed identity. */
export function createManagedIdentityCredential(auth: ManagedIdentityAuth): TokenCredential {
  return new ManagedIdentityCredential({
    ...(auth.managedIdentityClientId ? { clientId: auth.managedIdentityClientId } : {}),
    // Retries of the token call itself are the caller's business (queue redelivery).
    retryOptions: { maxRetries: 1 },
  });
}

/**
 * One credential per identity per process. MSAL keeps managed-identity tokens in a
 * process-wide cache, so every mail of every channel on the same identity shares one token
 * until it nears expiry.
 */
const credentials = new Map<string, TokenCredential>();

export function cachedManagedIdentityCredential(auth: ManagedIdentityAuth, env: ManagedIdentityEnvironment = process.env): TokenCredential {
  const unavailable = managedIdentityUnavailable(env);
  if (unavailable) throw new PermanentError('AUTH_MANAGED_IDENTITY_UNAVAILABLE', unavailable);
  const key = managedIdentityKey(auth);
  let credential = credentials.get(key);
  if (!credential) {
    credential = memoizeTokens(createManagedIdentityCredential(auth));
    credentials.set(key, credential);
  }
  return credential;
}

export function forgetManagedIdentityCredential(auth: ManagedIdentityAuth): void {
  credentials.delete(managedIdentityKey(auth));
}

/**
 * Why the identity endpoint gave no token. @azure/identity reports every failure of a managed
 * identity as CredentialUnavailableError; the endpoint's own answer (HTTP status in MSAL's
 * error) tells a configuration problem from a passing one: a 400/401/403/404 (no such
 * identity, a wrong client id, a refused header) will not heal by itself.
 */
export function classifyManagedIdentityError(err: unknown, auth: ManagedIdentityAuth): MailChannelError {
  if (err instanceof MailChannelError) return err;
  const message = err instanceof Error ? err.message : String(err);
  const which = auth.managedIdentityClientId ? `the user-assigned identity ${auth.managedIdentityClientId}` : "the Function App's system-assigned identity";
  // MSAL's text: "… Description: Unable to load the proper Managed Identity. - Correlation ID: …".
  const described = between(message, 'Description: ', ' - Correlation ID');
  const detail = redactCredentials(described ?? message.replace(/^ManagedIdentityCredential:\s*/, '').split(/\r?\n/)[0] ?? '');
  const status = statusIn(err);
  if (status !== undefined && status >= 400 && status < 500 && status !== 408 && status !== 429) {
    return new PermanentError('AUTH_REJECTED', `the managed identity endpoint refused a token for ${which} (HTTP ${status}): ${detail}`, { cause: err });
  }
  return new TransientError('AUTH_UNAVAILABLE', `no token from the managed identity endpoint for ${which}: ${detail}`, { cause: err });
}

/** The HTTP status MSAL or the pipeline recorded somewhere down the cause chain. */
function statusIn(err: unknown): number | undefined {
  let cur: unknown = err;
  for (let depth = 0; depth < 5 && cur && typeof cur === 'object'; depth++) {
    const e = cur as { statusCode?: unknown; status?: unknown; cause?: unknown };
    if (typeof e.statusCode === 'number') return e.statusCode;
    if (typeof e.status === 'number') return e.status;
    cur = e.cause;
  }
  return undefined;
}

/** The text between the first `start` and the next `end` after it (indexOf, not a lazy regex: that one is quadratic on repeats). */
function between(text: string, start: string, end: string): string | undefined {
  const from = text.indexOf(start);
  if (from < 0) return undefined;
  const to = text.indexOf(end, from + start.length);
  return to < 0 ? undefined : text.slice(from + start.length, to);
}
