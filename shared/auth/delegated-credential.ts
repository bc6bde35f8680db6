import type { AccessToken, GetTokenOptions, TokenCredential } from '@azure/identity';
import { MailChannelError, PermanentError } from '../errors';
import type { SecretStore } from '../secrets/secret-store';
import { markNeedsReauthorization, readRefreshToken, saveRefreshToken } from '../store/channel-sign-in';
import { readClientSecret, type CredentialOptions, type OAuthAuth } from './credential';
import { REAUTHORIZATION_REQUIRED, refreshTokens } from './delegated-client';
import { EARLY_RENEWAL_MS } from './token-memo';

/**
 * Access tokens for a channel that signed in with the authorization-code flow: each token
 * comes from the stored refresh token, and the rotated refresh token is saved before the
 * access token is handed out (channel-sign-in.ts, versioned). One refresh per channel at a
 * time in this process; across instances, a refresh that lost the race (its refresh token was
 * spent by another instance) re-reads the store and uses the winner's token. A grant that is
 * gone for good marks the channel `needsReauthorization` with the provider's error and throws
 * AUTH_REAUTHORIZATION_REQUIRED (permanent: the channel's sync ends with that error).
 */
export interface DelegatedCredentialDeps extends CredentialOptions {
  secrets: Pick<SecretStore, 'set' | 'get' | 'delete'>;
  now?: () => Date;
}

const inFlight = new Map<string, Promise<unknown>>();

/** Runs `work` after any running refresh of the same channel (per process). */
async function oneAtATime<T>(channelId: string, work: () => Promise<T>): Promise<T> {
  const previous = inFlight.get(channelId) ?? Promise.resolve();
  const run = previous.catch(() => undefined).then(work);
  inFlight.set(channelId, run);
  try {
    return await run;
  } finally {
    if (inFlight.get(channelId) === run) inFlight.delete(channelId);
  }
}

export class DelegatedTokenCredential implements TokenCredential {
  private readonly cached = new Map<string, AccessToken>();
  /** Refresh-token redemptions by this credential (for tests and telemetry: work counted, not time). */
  refreshes = 0;

  constructor(
    private readonly channelId: string,
    private readonly auth: OAuthAuth,
    private readonly deps: DelegatedCredentialDeps,
  ) {}

  async getToken(scopes: string | string[], _options?: GetTokenOptions): Promise<AccessToken> {
    const scope = Array.isArray(scopes) ? (scopes[0] ?? '') : scopes;
    const now = () => (this.deps.now ? this.deps.now() : new Date());
    const hit = this.cached.get(scope);
    if (hit && hit.expiresOnTimestamp - EARLY_RENEWAL_MS > now().getTime()) return hit;
    return oneAtATime(this.channelId, async () => {
      const again = this.cached.get(scope);
      if (again && again.expiresOnTimestamp - EARLY_RENEWAL_MS > now().getTime()) return again;
      const token = await this.refresh(scope, now);
      this.cached.set(scope, token);
      return token;
    });
  }

  private async refresh(scope: string, now: () => Date): Promise<AccessToken> {
    const clientSecret = await readClientSecret(this.auth, { getSecret: (ref) => this.deps.secrets.get(ref) });
    for (let attempt = 0; ; attempt++) {
      const stored = await readRefreshToken(this.channelId, this.deps.secrets);
      if (!stored) {
        throw await this.needsSignIn(new PermanentError(REAUTHORIZATION_REQUIRED, 'the channel has not been signed in: use "Sign in" (GET /api/oauth/{channelId}/start)'), now);
      }
      // Known to be gone: the sync ends at once with the recorded error, without asking the provider again until a new sign-in.
      const known = stored.record.needsReauthorization;
      if (known) throw new PermanentError(REAUTHORIZATION_REQUIRED, known.message);
      try {
        this.refreshes++;
        const tokens = await refreshTokens(this.auth, clientSecret, stored.token, scope, this.deps);
        // Saved before use: a crash after this point loses an access token, never the grant.
        const saved = await saveRefreshToken(this.channelId, tokens.refreshToken, this.deps.secrets, { expectedEtag: stored.etag, now: now() });
        // conflict: another instance rotated at the same moment (a provider that lets both redeem); its token is the one kept.
        void saved;
        return { token: tokens.accessToken, expiresOnTimestamp: tokens.expiresOn.getTime() };
      } catch (err) {
        if (!(err instanceof MailChannelError) || err.code !== REAUTHORIZATION_REQUIRED) throw err;
        // Spent by another instance? Then the store holds a newer generation: use it once.
        const latest = await readRefreshToken(this.channelId, this.deps.secrets);
        if (attempt === 0 && latest && latest.etag !== stored.etag) continue;
        throw await this.needsSignIn(err, now);
      }
    }
  }

  private async needsSignIn(err: MailChannelError, now: () => Date): Promise<MailChannelError> {
    await markNeedsReauthorization(this.channelId, { code: err.code, message: err.message }, now());
    return err;
  }
}

/** Per process, one credential per channel and app, so its access tokens are reused across mail sources. */
const credentials = new Map<string, DelegatedTokenCredential>();
const credentialKey = (channelId: string, auth: OAuthAuth) => JSON.stringify([channelId, auth.tokenEndpoint ?? '', auth.tenantId, auth.clientId, auth.clientSecret?.ref ?? '']);

export function cachedDelegatedCredential(channelId: string, auth: OAuthAuth, deps: DelegatedCredentialDeps): DelegatedTokenCredential {
  const key = credentialKey(channelId, auth);
  let credential = credentials.get(key);
  if (!credential) {
    credential = new DelegatedTokenCredential(channelId, auth, deps);
    credentials.set(key, credential);
  }
  return credential;
}

export function forgetDelegatedCredential(channelId: string, auth: OAuthAuth): void {
  credentials.delete(credentialKey(channelId, auth));
}
