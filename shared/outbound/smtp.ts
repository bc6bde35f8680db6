import nodemailer from 'nodemailer';
import { MAIL_CHANNEL_HEADER } from '../mail/classify';
import type SMTPTransport from 'nodemailer/lib/smtp-transport';
import type { Auth, ChannelRecord } from '../config/channel';
import { MailChannelError, PermanentError, TransientError } from '../errors';
import type { ImapDeps, OAuthAuth } from '../sources/imap-connection';
import { OutboundMail, type MailSender, type SentMail } from './mail-sender';

/**
 * The SMTP `MailSender` of an IMAP channel (nodemailer). Uses `connection.smtp`; its
 * username and auth default to the IMAP ones. One connection per mail, closed after it:
 * auto-responses are few, and nothing is left open between invocations.
 */

/** Same needs as the IMAP source: secrets, OAuth tokens, extra trusted CAs. */
export type SmtpDeps = ImapDeps;

type SmtpSettings = NonNullable<Extract<ChannelRecord['connection'], { protocol: 'imap' }>['smtp']>;

export function createSmtpSender(channel: ChannelRecord, deps: SmtpDeps): MailSender {
  const conn = channel.connection;
  if (conn.protocol !== 'imap' || !conn.smtp) {
    throw new PermanentError('SMTP_NOT_CONFIGURED', `channel ${channel.id} has no SMTP server (connection.smtp)`);
  }
  const smtp = conn.smtp;
  const username = smtp.username ?? conn.username;
  const auth = smtp.auth ?? conn.auth;
  const where = `SMTP ${smtp.host}:${smtp.port}`;

  return {
    async send(message: OutboundMail): Promise<SentMail> {
      const parsed = OutboundMail.safeParse(message);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        throw new PermanentError('SMTP_BAD_MESSAGE', `outbound mail is invalid at ${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'unknown'}`);
      }
      const mail = parsed.data;
      const transport = nodemailer.createTransport(await transportOptions(smtp, username, auth, conn.settings.timeoutMs, deps, where));
      try {
        const info = await transport.sendMail({
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
          // Every mail we send says it is ours and automatic: our own classifier drops it if
          // it comes back (no loop), and other systems' autoresponders stay quiet (RFC 3834).
          headers: { [MAIL_CHANNEL_HEADER]: channel.id, 'Auto-Submitted': 'auto-replied', 'X-Auto-Response-Suppress': 'All', ...mail.headers },
          attachments: mail.attachments?.map((a) => ({ filename: a.filename, content: a.content, contentType: a.contentType, cid: a.cid })),
        });
        return { messageId: info.messageId };
      } catch (err) {
        throw toSmtpError(err, where);
      } finally {
        transport.close();
      }
    },
  };
}

/**
 * Exchange Online's scopes for SMTP AUTH: app-only asks for the resource's `.default`;
 * delegated for SMTP.Send. Scopes set on the channel win.
 */
export function smtpScope(auth: OAuthAuth): string {
  if (auth.scopes.length > 0) return auth.scopes.join(' ');
  return auth.flow === 'clientCredentials' ? 'https://outlook.office365.com/.default' : 'https://outlook.office.com/SMTP.Send offline_access';
}

async function transportOptions(
  smtp: SmtpSettings,
  user: string,
  auth: Auth,
  timeoutMs: number,
  deps: SmtpDeps,
  where: string,
): Promise<SMTPTransport.Options> {
  return {
    host: smtp.host,
    port: smtp.port,
    secure: smtp.tls === 'implicit',
    // starttls: upgrade or fail, never send credentials in clear; none: do not even try.
    requireTLS: smtp.tls === 'starttls',
    ignoreTLS: smtp.tls === 'none',
    tls: { ...deps.tlsOptions, rejectUnauthorized: true },
    auth: await credentials(auth, user, deps, where),
    connectionTimeout: timeoutMs,
    greetingTimeout: timeoutMs,
    socketTimeout: timeoutMs,
    // Attachments are buffers we hand over; never let message content name files or URLs.
    disableFileAccess: true,
    disableUrlAccess: true,
  };
}

async function credentials(auth: Auth, user: string, deps: SmtpDeps, where: string): Promise<SMTPTransport.Options['auth']> {
  if (auth.type === 'password') {
    if (!auth.password) throw new PermanentError('SMTP_AUTH', `${where}: the channel has no password set`);
    const pass = await deps.getSecret(auth.password);
    if (pass === undefined) throw new PermanentError('SMTP_AUTH', `${where}: the password secret "${auth.password.ref}" is missing from the secret store`);
    return { user, pass };
  }
  if (!deps.getAccessToken) throw new PermanentError('SMTP_AUTH', `${where}: OAuth channel, but no access-token provider is configured`);
  try {
    // nodemailer sends a given access token as SASL XOAUTH2.
    return { type: 'OAuth2', user, accessToken: await deps.getAccessToken(auth, smtpScope(auth)) };
  } catch (err) {
    if (err instanceof MailChannelError) throw err;
    throw new TransientError('SMTP_TOKEN', `${where}: could not get an access token: ${(err as Error).message}`, { cause: err });
  }
}

interface NodemailerError {
  code?: string;
  responseCode?: number;
  response?: string;
  message?: string;
}

/** SMTP reply codes say it themselves: 4xx try again later, 5xx never. */
export function toSmtpError(err: unknown, where: string): MailChannelError {
  if (err instanceof MailChannelError) return err;
  const e = (typeof err === 'object' && err !== null ? err : { message: String(err) }) as NodemailerError;
  const detail = e.response || e.message || 'unknown error';
  const reply = e.responseCode;
  if (e.code === 'EAUTH') {
    if (reply !== undefined && reply >= 400 && reply < 500) return new TransientError('SMTP_AUTH_UNAVAILABLE', `${where}: authentication temporarily failed: ${detail}`, { cause: err });
    return new PermanentError('SMTP_AUTH', `${where}: login rejected: ${detail}`, { cause: err });
  }
  if (e.code === 'ETLS' || /certificate/i.test(e.message ?? '')) return new PermanentError('SMTP_TLS', `${where}: TLS failed: ${detail}`, { cause: err });
  if (e.code === 'ETIMEDOUT') return new TransientError('SMTP_TIMEOUT', `${where}: timed out`, { cause: err });
  if (reply !== undefined && reply >= 500) return new PermanentError('SMTP_REJECTED', `${where}: refused (${reply}): ${detail}`, { cause: err });
  if (reply !== undefined && reply >= 400) return new TransientError('SMTP_DEFERRED', `${where}: deferred (${reply}): ${detail}`, { cause: err });
  if (e.code === 'ECONNECTION' || e.code === 'ESOCKET' || e.code === 'EDNS') {
    return new TransientError('SMTP_CONNECTION', `${where}: connection failed: ${detail}`, { cause: err });
  }
  return new TransientError('SMTP_ERROR', `${where}: ${detail}`, { cause: err });
}
