import { z } from 'zod';
import { DEFAULT_AUTO_RESPONSE, DEFAULT_STATUS_NOTIFICATION } from './default-templates';
import { MAX_TEMPLATE_LENGTH, validateTemplate, type TemplateTarget } from './render-template';

/**
 * A channel's settings for the mail it sends on its own: the acknowledgement of a new
 * ticket (auto-response) and the notification of a status change. Meant for the channel
 * record (`ChannelInput.answers`, prefault {}), so a channel stored before this existed
 * loads with the defaults: acknowledgements on, at most 5 per sender and hour, none for
 * replies that become notes, notifications on resolved and closed, English templates.
 */

export const AnswerLanguage = z.enum(['en', 'de']).describe('language of the default templates (and of status words in notifications)');
export type AnswerLanguage = z.infer<typeof AnswerLanguage>;

/** Placeholders an auto-response template may use. */
export const AUTO_RESPONSE_PLACEHOLDERS = ['ticketNumber', 'ticketTitle', 'ticketLink', 'customerSubject', 'requesterName', 'channelName'] as const;
/** Placeholders a status notification template may use: those, and the new status. */
export const NOTIFICATION_PLACEHOLDERS = [...AUTO_RESPONSE_PLACEHOLDERS, 'ticketStatus'] as const;

export const MailTemplate = z.object({
  subject: z.string().max(MAX_TEMPLATE_LENGTH.subject).describe('one line; the ticket token is put in front of it'),
  text: z.string().max(MAX_TEMPLATE_LENGTH.text).describe('plain-text body'),
  html: z.string().max(MAX_TEMPLATE_LENGTH.html).optional().describe('HTML body; values are HTML-escaped; absent = plain text only'),
});
export type MailTemplate = z.infer<typeof MailTemplate>;

/** A template checked against the placeholders its mail offers (unknown ones are 400s at the API). */
function checkedTemplate(known: readonly string[]) {
  return MailTemplate.superRefine((t, ctx) => {
    for (const target of ['subject', 'text', 'html'] as const satisfies readonly TemplateTarget[]) {
      const value = t[target];
      if (value === undefined) continue;
      for (const issue of validateTemplate(value, known, target)) ctx.addIssue({ code: 'custom', path: [target], message: issue.message });
    }
  });
}

export const AutoResponseSettings = z.object({
  enabled: z.boolean().default(true).describe('acknowledge a new ticket by mail'),
  template: checkedTemplate(AUTO_RESPONSE_PLACEHOLDERS).optional().describe(`absent = the default of the language; placeholders: ${AUTO_RESPONSE_PLACEHOLDERS.map((p) => `{{${p}}}`).join(' ')}`),
  perSenderPerHour: z.number().int().min(1).max(100).default(5).describe('at most this many automatic answers to one sender within any hour'),
  onNote: z.boolean().default(false).describe('also acknowledge a reply that becomes a note on an existing ticket'),
});
export type AutoResponseSettings = z.infer<typeof AutoResponseSettings>;

export const NotifiedStatus = z.enum(['resolved', 'closed']);
export type NotifiedStatus = z.infer<typeof NotifiedStatus>;

export const StatusNotificationSettings = z.object({
  enabled: z.boolean().default(true).describe('tell the requester by mail when the ticket is resolved or closed'),
  statuses: z.array(NotifiedStatus).min(1).default(['resolved', 'closed']),
  template: checkedTemplate(NOTIFICATION_PLACEHOLDERS).optional().describe(`absent = the default of the language; placeholders: ${NOTIFICATION_PLACEHOLDERS.map((p) => `{{${p}}}`).join(' ')}`),
});
export type StatusNotificationSettings = z.infer<typeof StatusNotificationSettings>;

export const AnswerSettings = z.object({
  language: AnswerLanguage.default('en'),
  fromName: z.string().trim().min(1).max(200).optional().describe('display name of the channel in From; absent = the channel name'),
  aliases: z
    .array(z.email().max(254))
    .max(50)
    .default([])
    .describe("other addresses that deliver into this channel's mailbox: never answered, like the mailbox and reply-to"),
  ticketLinkBase: z
    .url({ protocol: /^https?$/ })
    .max(1000)
    .optional()
    .describe("where requesters follow their tickets, e.g. https://support.example.com/tickets/ (the ticket id is appended); absent = this app's ticket page"),
  autoResponse: AutoResponseSettings.prefault({}),
  statusNotification: StatusNotificationSettings.prefault({}),
});
export type AnswerSettings = z.infer<typeof AnswerSettings>;

export const DEFAULT_ANSWER_SETTINGS: AnswerSettings = AnswerSettings.parse({});

/** The auto-response template in force: the admin's, or the language's default. */
export function autoResponseTemplate(settings: AnswerSettings): MailTemplate {
  return settings.autoResponse.template ?? DEFAULT_AUTO_RESPONSE[settings.language];
}

/** The status notification template in force: the admin's, or the language's default. */
export function statusNotificationTemplate(settings: AnswerSettings): MailTemplate {
  return settings.statusNotification.template ?? DEFAULT_STATUS_NOTIFICATION[settings.language];
}
