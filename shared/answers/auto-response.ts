import { cleanSubject } from '../mail/mime-headers';
import type { Address } from '../mail/parsed-mail';
import { stripSubjectPrefixes } from '../threading/subject-prefix';
import { DEFAULT_TOKEN_FORMAT, type TicketTokenFormat } from '../threading/ticket-token';
import { autoResponseTemplate, type AnswerSettings } from './answer-settings';
import { composeMail, threadHeaders, type ChannelIdentity, type Composed, type TicketRef } from './compose-mail';
import { recipientProblem } from './recipient';

/**
 * The acknowledgement of a new ticket: to the requester, from the channel's mailbox, with
 * the channel's Reply-To; the customer's subject behind our signed token (so their answer
 * finds the ticket); threaded to their mail; marked as an automatic answer for every
 * other system (RFC 3834 `Auto-Submitted: auto-replied`, Exchange's
 * `X-Auto-Response-Suppress: All`) and as ours (`X-MailChannel-Id`).
 *
 * Whether to answer at all is answer-policy.ts's call, made before; this repeats the
 * checks on the recipient itself (none, invalid, ours, no-reply), so no caller can send
 * one there by skipping the policy.
 */

export const AUTO_RESPONSE_HEADERS: Readonly<Record<string, string>> = {
  'Auto-Submitted': 'auto-replied',
  'X-Auto-Response-Suppress': 'All',
};

export interface AutoResponseInput {
  settings: AnswerSettings;
  channel: ChannelIdentity;
  ticket: TicketRef;
  /** The customer's mail, as parsed (ParsedMail's fields). */
  mail: { from?: Address | undefined; subject: string; messageId?: string | undefined; references: readonly string[] };
  /** Every address of ours, as mailbox keys (recipient.ts `ownAddressSet`). */
  ourAddresses: ReadonlySet<string>;
  /** The signed ticket token, `[#T-000123-ab3k9q2z]` (ticket-token.ts `formatToken`). */
  token: string;
  tokenFormat?: TicketTokenFormat;
  /** Our Message-ID for the answer (message-ids.ts `outgoingMessageId`): the thread index records it before sending. */
  messageId?: string;
}

export function composeAutoResponse(input: AutoResponseInput): Composed {
  const { settings, mail } = input;
  if (!settings.autoResponse.enabled) return { send: false, suppression: { code: 'AUTO_RESPONSE_DISABLED', message: 'auto-responses are off for this channel' } };
  const problem = recipientProblem(mail.from, input.ourAddresses);
  if (problem) return { send: false, suppression: problem };
  // "Re: AW: Printer" answered as "Re: Printer", not "Re: Re: AW: Printer"
  const customerSubject = stripSubjectPrefixes(cleanSubject(mail.subject)).subject || input.ticket.title;
  return composeMail({
    settings,
    channel: input.channel,
    ticket: input.ticket,
    to: mail.from!,
    template: autoResponseTemplate(settings),
    values: { customerSubject },
    token: input.token,
    tokenFormat: input.tokenFormat ?? DEFAULT_TOKEN_FORMAT,
    thread: threadHeaders(mail.messageId, mail.references),
    headers: { ...AUTO_RESPONSE_HEADERS },
    messageId: input.messageId,
  });
}
