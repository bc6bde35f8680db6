import MailComposer from 'nodemailer/lib/mail-composer';
import type Mail from 'nodemailer/lib/mailer';
import type { z } from 'zod';
import { MAIL_CHANNEL_HEADER } from '../mail/classify';
import { PermanentError } from '../errors';
import { OutboundMail } from './mail-sender';

/**
 * What every sender does with an `OutboundMail` before its transport sees it: validate it
 * (no header injection), and stamp the headers that make our mail recognisable as ours and
 * automatic. Shared by the SMTP and Graph senders, so both put the same bytes on the wire.
 */
export type ValidOutboundMail = z.output<typeof OutboundMail>;

/** The mail, validated; a bad one is a permanent `<prefix>_BAD_MESSAGE` naming the field. */
export function validOutboundMail(message: unknown, codePrefix: string): ValidOutboundMail {
  const parsed = OutboundMail.safeParse(message);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  throw new PermanentError(`${codePrefix}_BAD_MESSAGE`, `outbound mail is invalid at ${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'unknown'}`);
}

/**
 * Our own stamp on every mail we send: our classifier drops the mail if it comes back (no
 * loop). Whether the mail is automatic is the caller's to say: an acknowledgement carries
 * RFC 3834's `Auto-Submitted: auto-replied`, a notification `auto-generated`
 * (answers/auto-response.ts, answers/notification.ts); an agent's reply is a person's mail
 * and carries neither, so the customer's mail system treats it — and answers it — as one.
 */
export function stampedHeaders(channelId: string, mail: ValidOutboundMail): Record<string, string> {
  return { [MAIL_CHANNEL_HEADER]: channelId, ...mail.headers };
}

/** nodemailer's message options for the mail (the SMTP transport and MailComposer take the same). */
export function nodemailerMessage(channelId: string, mail: ValidOutboundMail): Mail.Options {
  return {
    from: mail.from,
    to: mail.to,
    cc: mail.cc,
    replyTo: mail.replyTo,
    subject: mail.subject,
    text: mail.text,
    html: mail.html,
    inReplyTo: mail.inReplyTo,
    references: mail.references,
    messageId: mail.messageId,
    headers: stampedHeaders(channelId, mail),
    attachments: mail.attachments?.map((a) => ({ filename: a.filename, content: a.content, contentType: a.contentType, cid: a.cid })),
    // Attachments are buffers we hand over; never let message content name files or URLs.
    disableFileAccess: true,
    disableUrlAccess: true,
  };
}

/** The whole MIME message (nodemailer's MailComposer), with the Message-ID it carries. */
export async function composeMime(channelId: string, mail: ValidOutboundMail): Promise<{ raw: Buffer; messageId: string }> {
  const node = new MailComposer(nodemailerMessage(channelId, mail)).compile();
  // Bcc never appears in the headers (MailComposer drops it unless keepBcc): we send none.
  const raw = await node.build();
  return { raw, messageId: node.messageId() };
}
