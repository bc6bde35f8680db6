import type { Address } from '../mail/parsed-mail';
import { DEFAULT_TOKEN_FORMAT, type TicketTokenFormat } from '../threading/ticket-token';
import { statusNotificationTemplate, type AnswerSettings } from './answer-settings';
import { composeMail, threadHeaders, type ChannelIdentity, type Composed, type TicketRef } from './compose-mail';
import { STATUS_WORDS } from './default-templates';
import { recipientProblem } from './recipient';

/**
 * The requester's notification of a status change (resolved, closed): the channel's
 * template, the signed token in the subject, threaded to the ticket's last message so it
 * lands in the requester's conversation. `Auto-Submitted: auto-generated` (RFC 3834: a
 * system's own mail, not an answer to one), so autoresponders stay quiet and their
 * out-of-office replies are recognised as such.
 */

export const NOTIFICATION_HEADERS: Readonly<Record<string, string>> = {
  'Auto-Submitted': 'auto-generated',
  'X-Auto-Response-Suppress': 'All',
};

export interface StatusNotificationInput {
  settings: AnswerSettings;
  channel: ChannelIdentity;
  ticket: TicketRef & { status: string };
  requester: Address;
  /** The ticket's last message (the one this mail answers) and its References. */
  thread: { lastMessageId?: string | undefined; references?: readonly string[] | undefined };
  ourAddresses: ReadonlySet<string>;
  token: string;
  tokenFormat?: TicketTokenFormat;
  messageId?: string;
}

export function composeStatusNotification(input: StatusNotificationInput): Composed {
  const { settings, ticket } = input;
  const notify = settings.statusNotification;
  if (!notify.enabled) return { send: false, suppression: { code: 'NOTIFICATION_DISABLED', message: 'status notifications are off for this channel' } };
  const status = notify.statuses.find((s) => s === ticket.status);
  if (!status) return { send: false, suppression: { code: 'STATUS_NOT_NOTIFIED', message: `status "${ticket.status.slice(0, 50)}" is not notified (statusNotification.statuses: ${notify.statuses.join(', ')})` } };
  const problem = recipientProblem(input.requester, input.ourAddresses);
  if (problem) return { send: false, suppression: problem };
  return composeMail({
    settings,
    channel: input.channel,
    ticket,
    to: input.requester,
    template: statusNotificationTemplate(settings),
    values: { customerSubject: ticket.title, ticketStatus: STATUS_WORDS[settings.language][status] },
    token: input.token,
    tokenFormat: input.tokenFormat ?? DEFAULT_TOKEN_FORMAT,
    thread: threadHeaders(input.thread.lastMessageId, input.thread.references ?? []),
    headers: { ...NOTIFICATION_HEADERS },
    messageId: input.messageId,
  });
}
