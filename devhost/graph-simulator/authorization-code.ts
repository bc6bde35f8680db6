import { createHash, randomBytes } from 'node:crypto';

/**
 * The delegated side of the Entra stand-in: the authorization endpoint's consent step, the
 * authorization-code grant with PKCE, refresh tokens that rotate, revocation and expiry.
 *
 * Stricter than Entra in one place, on purpose: a refresh token stops working once it has been
 * redeemed (Entra keeps the old one valid for a while), so a caller that forgets to store the
 * rotated token fails at its next refresh instead of silently depending on the grace period.
 * Pure bookkeeping: the HTTP side lives in token-service.ts.
 */
export interface AuthorizeRequest {
  tenant: string;
  clientId: string;
  redirectUri: string;
  scope: string;
  state: string;
  codeChallenge: string;
  codeChallengeMethod: string;
  user: string;
}

interface PendingCode extends AuthorizeRequest {
  expiresAt: number;
}

export interface DelegatedGrant {
  tenant: string;
  clientId: string;
  user: string;
  scope: string;
}

interface RefreshTokenState extends DelegatedGrant {
  expiresAt: number;
  /** Redeemed (rotated away) or revoked: the token no longer works. */
  spent: boolean;
  revoked: boolean;
}

/** Entra's answers, as (error, AADSTS code, description). */
export type GrantRefusal = { error: string; code: number; description: string };

const CODE_LIFETIME_MS = 10 * 60_000;

const randomToken = (prefix: string) => `${prefix}.${randomBytes(32).toString('base64url')}`;

/** RFC 7636 S256: BASE64URL(SHA256(ASCII(code_verifier))). */
export function s256(verifier: string): string {
  return createHash('sha256').update(verifier, 'ascii').digest('base64url');
}

export class AuthorizationCodeGrants {
  private readonly codes = new Map<string, PendingCode>();
  private readonly refreshTokens = new Map<string, RefreshTokenState>();
  /** Refresh-token redemptions (rotations) so far. */
  refreshes = 0;

  constructor(private readonly refreshTokenLifetimeMs: () => number) {}

  /** The user clicked "Accept": a one-time code for the redirect. */
  consent(req: AuthorizeRequest): string {
    const code = randomToken('code');
    this.codes.set(code, { ...req, expiresAt: Date.now() + CODE_LIFETIME_MS });
    return code;
  }

  /** Redeems a code (once) with the PKCE verifier and the same redirect URI. */
  redeemCode(tenant: string, clientId: string, code: string, redirectUri: string, verifier: string): DelegatedGrant | GrantRefusal {
    const pending = this.codes.get(code);
    this.codes.delete(code);
    if (!pending || pending.tenant.toLowerCase() !== tenant.toLowerCase() || pending.clientId !== clientId) {
      return { error: 'invalid_grant', code: 70000, description: 'The provided value for the \'code\' parameter is not valid.' };
    }
    if (pending.expiresAt <= Date.now()) return { error: 'invalid_grant', code: 70008, description: 'The provided authorization code or refresh token has expired due to inactivity. Send a new interactive authorization request for this user and resource.' };
    if (pending.redirectUri !== redirectUri) return { error: 'invalid_grant', code: 50148, description: 'The redirect_uri does not match the redirect URI used in the authorization request.' };
    if (!verifier || s256(verifier) !== pending.codeChallenge) return { error: 'invalid_grant', code: 501481, description: 'The Code_Verifier does not match the code_challenge supplied in the authorization request.' };
    return { tenant: pending.tenant, clientId, user: pending.user, scope: pending.scope };
  }

  issueRefreshToken(grant: DelegatedGrant): string {
    const token = randomToken('rt');
    this.refreshTokens.set(token, { ...grant, expiresAt: Date.now() + this.refreshTokenLifetimeMs(), spent: false, revoked: false });
    return token;
  }

  /** Redeems a refresh token: the grant it carries, or why not. The token is spent either way. */
  redeemRefreshToken(tenant: string, clientId: string, token: string): DelegatedGrant | GrantRefusal {
    const state = this.refreshTokens.get(token);
    if (!state || state.tenant.toLowerCase() !== tenant.toLowerCase() || state.clientId !== clientId) {
      return { error: 'invalid_grant', code: 9002313, description: 'Invalid request. Request is malformed or invalid.' };
    }
    if (state.revoked) return { error: 'invalid_grant', code: 50173, description: `The provided grant has expired due to it being revoked, a fresh auth token is needed. The user might have changed or reset their password. The grant was issued on '${new Date().toISOString()}' and the TokensValidFrom date (before which tokens are not valid) for this user is '${new Date().toISOString()}'.` };
    if (state.spent) return { error: 'invalid_grant', code: 54005, description: 'OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an existing refresh token.' };
    if (state.expiresAt <= Date.now()) return { error: 'invalid_grant', code: 700082, description: 'The refresh token has expired due to inactivity. The token was issued on a date and was inactive for the configured lifetime.' };
    state.spent = true;
    this.refreshes++;
    return { tenant: state.tenant, clientId: state.clientId, user: state.user, scope: state.scope };
  }

  /** An admin revoked the user's sessions (Revoke-MgUserSignInSession): every refresh token of the user fails. */
  revokeUser(user: string): number {
    let n = 0;
    for (const s of this.refreshTokens.values()) {
      if (s.user.toLowerCase() === user.toLowerCase() && !s.revoked) {
        s.revoked = true;
        n++;
      }
    }
    return n;
  }

  /** Every refresh token expires now (as after the inactivity lifetime). */
  expireRefreshTokens(): void {
    for (const s of this.refreshTokens.values()) s.expiresAt = 0;
  }
}
