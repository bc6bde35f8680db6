import type { ChannelRecord } from '../config/channel';
import { getAccessToken } from '../auth/credential';
import { secretStore } from '../secrets';
import { createGraphMailSource } from './graph';
import { createImapMailSource } from './imap';
import type { MailSource } from './mail-source';

/**
 * The MailSource for a channel, with its secrets read from the secret store at the
 * moment they are needed (never kept on the channel record or logged).
 */
export async function openMailSource(channel: ChannelRecord): Promise<MailSource> {
  const getSecret = (ref: string) => secretStore().get(ref);
  if (channel.connection.protocol === 'graph') return createGraphMailSource(channel, { getSecret });
  return createImapMailSource(channel, {
    getSecret: (ref) => getSecret(ref.ref),
    getAccessToken: (auth, scope) => getAccessToken(auth, { getSecret }, scope),
  });
}
