import { PermanentError } from '../errors';
import { splitAddress } from '../mail/signals/signal';
import { outgoingMessageId } from '../threading/message-ids';
import { newOutboxRecord, OutboxMail, type OutboxPurpose, type OutboxRecord } from './outbox';
import type { OutboundMail } from './mail-sender';

/**
 * From a composed mail to what the outbox carries: the record, with the Message-ID the mail
 * will go out with — derived from the outbox key and the channel's domain, so it is known
 * before sending (the thread index records it first: a reply that comes back before the
 * `sent` write still finds its ticket) and is the same on every attempt.
 */
export function outgoingMessageIdFor(outboxId: string, channelAddress: string): string {
  const domain = splitAddress(channelAddress.trim())?.domain;
  if (!domain) throw new PermanentError('CHANNEL_ADDRESS_INVALID', `the channel's address ${JSON.stringify(channelAddress.slice(0, 300))} has no domain for a Message-ID`);
  return `<${outgoingMessageId(outboxId, domain)}>`;
}

export function outboxRecordOf(input: {
  outboxId: string;
  channelId: string;
  purpose: OutboxPurpose;
  ticketId?: string | undefined;
  /** The composed mail; its attachments (if any) are given separately, as blob references. */
  mail: Omit<OutboundMail, 'attachments'>;
  attachments?: OutboxMail['attachments'];
  messageId: string;
  now: Date;
}): OutboxRecord {
  const { messageId: _ownId, ...mail } = input.mail;
  return newOutboxRecord({
    id: input.outboxId,
    channelId: input.channelId,
    purpose: input.purpose,
    ...(input.ticketId ? { ticketId: input.ticketId } : {}),
    mail: OutboxMail.parse({ ...mail, ...(input.attachments?.length ? { attachments: input.attachments } : {}) }),
    messageId: input.messageId,
    now: input.now,
  });
}
