import { header, hit, type Signal } from './signal';

/**
 * The header every mail we send carries (value: the channel id). Outbound senders must
 * stamp it; a mail that comes back with it is our own — a loop, never a ticket.
 */
export const MAIL_CHANNEL_HEADER = 'X-MailChannel-Id';

/** Our own outbound mail coming back (an auto-responder or a forward returned it to us). */
export const ownStamp: Signal = {
  name: 'own-stamp',
  test: ({ mail, channelId }) => {
    const value = header(mail, MAIL_CHANNEL_HEADER.toLowerCase());
    if (value === undefined) return undefined;
    const whose = channelId && value === channelId ? 'this channel' : `channel "${value}"`;
    return hit('loop', `${MAIL_CHANNEL_HEADER}: ${value} — sent by ${whose} of this system`);
  },
};
