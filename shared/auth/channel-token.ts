import type { Auth } from '../config/channel';
import type { SecretStore } from '../secrets/secret-store';
import { getAccessToken, type CredentialOptions } from './credential';
import { cachedDelegatedCredential, forgetDelegatedCredential } from './delegated-credential';

/**
 * An access token for a channel's IMAP/SMTP (XOAUTH2) or Graph use, by its OAuth flow: app-only
 * (client credentials) from the app's secret, or delegated from the signed-in user's stored
 * refresh token (rotated and saved on each redemption).
 */
export async function channelAccessToken(channelId: string, auth: Auth, scope: string, secrets: Pick<SecretStore, 'get' | 'set' | 'delete'>, opts: CredentialOptions = {}): Promise<string> {
  if (auth.type === 'oauth' && auth.flow === 'authorizationCode') {
    return (await cachedDelegatedCredential(channelId, auth, { secrets, ...opts }).getToken(scope)).token;
  }
  return getAccessToken(auth, { getSecret: (ref) => secrets.get(ref) }, scope, opts);
}

/**
 * A server refused a delegated access token (IMAP/SMTP login): the channel's cached credential goes, so the next token
 * comes from redeeming the stored refresh token — which tells at once whether the grant still stands.
 * App-only tokens stay cached (credential.ts): an app's grant is not revoked by a user, and its token expires within the hour.
 */
export function forgetChannelAccessToken(channelId: string, auth: Auth): void {
  if (auth.type === 'oauth' && auth.flow === 'authorizationCode') forgetDelegatedCredential(channelId, auth);
}
