import type { OAuthAuth } from '../../auth/credential';
import { REAUTHORIZATION_REQUIRED } from '../../auth/delegated-client';
import { MailChannelError, PermanentError } from '../../errors';
import type { SignInRecord } from '../../store/channel-sign-in';
import { tokenFailure } from './advice';
import type { StageFailure } from './result';

/**
 * The authentication stage of a channel that signs in as a user (authorization-code flow):
 * its token comes from the channel's sign-in record (the refresh token an admin's sign-in
 * stored, shared/store/channel-sign-in.ts), exactly as the mail sources get theirs
 * (channelAccessToken). The two ways it is not there each get their own failure with the
 * next step: never signed in ("sign in"), and signed in but refused since ("sign in again").
 */
export const SIGN_IN_MISSING = 'SIGN_IN_MISSING';
export const SIGN_IN_REVOKED = 'SIGN_IN_REVOKED';

/** What the stored channel's connection test reads and asks for (the I/O, behind a seam). */
export interface DelegatedAccess {
  channelId: string;
  readSignIn(): Promise<SignInRecord | undefined>;
  /** An access token from the stored refresh token (rotated and saved), as the sources get it. */
  accessToken(auth: OAuthAuth, scope: string): Promise<string>;
}

const startRoute = (channelId: string) => `GET /api/oauth/${encodeURIComponent(channelId)}/start`;

export function notSignedIn(channelId: string | undefined): StageFailure {
  if (channelId === undefined) {
    return {
      code: SIGN_IN_MISSING,
      message: 'the authorization-code flow reads the mailbox as a signed-in user, and an unsaved configuration has no sign-in',
      whatToDo: 'save the channel, then sign in on its Sign-in page ("Sign in", or GET /api/oauth/{id}/start) and test again',
    };
  }
  return {
    code: SIGN_IN_MISSING,
    message: `channel ${channelId} is not signed in yet: no user has consented, so there is no token to read the mailbox with`,
    whatToDo: `sign in: the channel's Sign-in page ("Sign in", or ${startRoute(channelId)}), as the mailbox user or a user with access to it`,
  };
}

export function signInRevoked(channelId: string, providerMessage: string): StageFailure {
  return {
    code: SIGN_IN_REVOKED,
    message: `the sign-in of channel ${channelId} is no longer valid (revoked, expired or consent withdrawn): ${providerMessage}`,
    whatToDo: `sign in again: the channel's Sign-in page ("Sign in again", or ${startRoute(channelId)}); the channel reads no mail until then`,
  };
}

/** Whether the stored sign-in can give a token at all, from the record alone (pure). */
export function signInReadiness(channelId: string | undefined, record: SignInRecord | undefined): { ready: true; account?: string } | { ready: false; failure: StageFailure } {
  if (channelId === undefined || !record?.secretName) {
    // A refusal recorded before any token was stored (e.g. a sync of a channel never signed in) is still "not signed in".
    return { ready: false, failure: notSignedIn(channelId) };
  }
  if (record.needsReauthorization) return { ready: false, failure: signInRevoked(channelId, record.needsReauthorization.message) };
  return { ready: true, ...(record.account ? { account: record.account } : {}) };
}

/** A failure of the authentication stage that carries its own advice (the IMAP/SMTP probes pass it through). */
export class SignInStageError extends PermanentError {
  constructor(readonly failure: StageFailure) {
    super(failure.code, failure.message);
  }
}

/**
 * The delegated access token for the test, or the stage's failure: not signed in, refused
 * before (recorded), or refused now by the provider (the refresh marks the channel, as a sync would).
 */
export async function delegatedToken(access: DelegatedAccess | undefined, auth: OAuthAuth, scope: string): Promise<{ token: string; account?: string } | { failure: StageFailure }> {
  if (!access) return { failure: notSignedIn(undefined) };
  const readiness = signInReadiness(access.channelId, await access.readSignIn());
  if (!readiness.ready) return { failure: readiness.failure };
  try {
    return { token: await access.accessToken(auth, scope), ...(readiness.account ? { account: readiness.account } : {}) };
  } catch (err) {
    if (err instanceof MailChannelError && err.code === REAUTHORIZATION_REQUIRED) return { failure: signInRevoked(access.channelId, err.message) };
    const e = err instanceof MailChannelError ? err : undefined;
    return { failure: tokenFailure('the identity provider gave no token for the signed-in user', e?.message ?? String(err), e?.retryable ?? true) };
  }
}
