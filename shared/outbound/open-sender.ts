import type { ChannelRecord } from '../config/channel';
import { channelAccessToken } from '../auth/channel-token';
import { secretStore } from '../secrets';
import type { GraphSourceDeps } from '../sources/graph-connection';
import { createGraphSender } from './graph-sender';
import type { MailSender } from './mail-sender';
import { createSmtpSender, type SmtpDeps } from './smtp';

/**
 * The `MailSender` of a channel: Graph `sendMail` for Graph channels, SMTP for IMAP channels.
 * Secrets are read from the secret store when a send needs them, never kept.
 */
export interface SenderDeps {
  /** Overrides for tests (a stand-in's CA, the address policy); production passes nothing. */
  graph?: Partial<GraphSourceDeps>;
  smtp?: Partial<SmtpDeps>;
}

export function openMailSender(channel: ChannelRecord, deps: SenderDeps = {}): MailSender {
  const getSecret = (ref: string) => secretStore().get(ref);
  if (channel.connection.protocol === 'graph') return createGraphSender(channel, { getSecret, ...deps.graph });
  return createSmtpSender(channel, {
    getSecret: (ref) => getSecret(ref.ref),
    getAccessToken: (auth, scope) => channelAccessToken(channel.id, auth, scope, secretStore()),
    log: (message, props) => console.warn(message, JSON.stringify(props)),
    ...deps.smtp,
  });
}
