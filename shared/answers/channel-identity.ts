import type { ChannelRecord } from '../config/channel';
import type { AnswerSettings } from './answer-settings';
import type { ChannelIdentity } from './compose-mail';
import { ownAddressSet } from './recipient';

/**
 * The channel record as the answers see it: its mailbox (`connection.username`) as From,
 * `connection.replyTo` as Reply-To; and the set of addresses that are ours — this
 * channel's mailbox, reply-to and aliases, and every other channel's mailbox and
 * reply-to, which the wiring reads from the channel list it already has.
 */

type ChannelFields = Pick<ChannelRecord, 'id' | 'name' | 'connection'>;

export function channelIdentity(channel: ChannelFields): ChannelIdentity {
  return { id: channel.id, name: channel.name, address: channel.connection.username, replyTo: channel.connection.replyTo };
}

export function channelOwnAddresses(channel: ChannelFields, settings: AnswerSettings, otherChannels: readonly Pick<ChannelRecord, 'connection'>[] = []): Set<string> {
  return ownAddressSet([
    channel.connection.username,
    channel.connection.replyTo,
    ...settings.aliases,
    ...otherChannels.flatMap((c) => [c.connection.username, c.connection.replyTo]),
  ]);
}
