import type { ChannelRecord } from '../config/channel';
import { recordSecretRefs } from '../admin/channel-secrets';
import { xoauth2 } from '../auth/credential';
import { channelAccessToken, forgetChannelAccessToken } from '../auth/channel-token';
import { secretStore } from '../secrets';
import { createGraphMailSource } from './graph';
import { createImapMailSource } from './imap';
import { processImapPool } from './imap-pool';
import type { MailSource } from './mail-source';
import { redactingSource } from './redacting-source';

/**
 * The MailSource for a channel, with its secrets read from the secret store at the
 * moment they are needed (never kept on the channel record or logged). Its errors leave
 * with every secret value of the channel, and every token it was handed, redacted.
 */
export async function openMailSource(channel: ChannelRecord): Promise<MailSource> {
  const getSecret = (ref: string) => secretStore().get(ref);
  const tokens = new Set<string>();
  // Read on the error path only (the store caches values), so a connection shared with
  // another source that did the login still cannot carry the password out.
  const secrets = async () => {
    const values = await Promise.all(recordSecretRefs(channel).map((r) => getSecret(r.ref).catch(() => undefined)));
    return [...values.filter((v): v is string => Boolean(v)), ...tokens];
  };
  if (channel.connection.protocol === 'graph') return redactingSource(createGraphMailSource(channel, { getSecret }), secrets);
  const username = channel.connection.username;
  return redactingSource(
    createImapMailSource(channel, {
      getSecret: (ref) => getSecret(ref.ref),
      getAccessToken: async (auth, scope) => {
        const token = await channelAccessToken(channel.id, auth, scope, secretStore());
        tokens.add(token);
        tokens.add(xoauth2(username, token));
        return token;
      },
      rejectedAccessToken: (auth) => forgetChannelAccessToken(channel.id, auth),
      log: (message, props) => console.warn(message, JSON.stringify(props)),
    }, processImapPool()),
    secrets,
  );
}
