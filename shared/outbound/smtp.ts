import nodemailer from 'nodemailer';
import type SMTPTransport from 'nodemailer/lib/smtp-transport';
import type { Auth, ChannelRecord } from '../config/channel';
import { MANAGED_IDENTITY_GRAPH_ONLY } from '../config/channel';
import { MailChannelError, PermanentError, TransientError } from '../errors';
import { redactCredentials } from '../http/redact';
import type { ImapDeps, OAuthAuth } from '../sources/imap-connection';
import type { MailSender, OutboundMail, SentMail } from './mail-sender';
import { nodemailerMessage, validOutboundMail } from './compose';
import { resolveConnectTarget, targetPolicyFromEnv } from '../net/connect-target';
import { redactError } from '../sources/redacting-source';

/**
 * The SMTP `MailSender` of an IMAP channel (nodemailer). Uses `connection.smtp`; its
 * username and auth default to the IMAP ones. One connection per mail, closed after it:
 * auto-responses are few, and nothing is left open between invocations.
 */

/** Same needs as the IMAP source: secrets, OAuth tokens, extra trusted CAs. */
export type SmtpDeps = ImapDeps;

export type SmtpSettings = NonNullable<Extract<ChannelRecord['connection'], { protocol: 'imap' }>['smtp']>;

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
      const mail = validOutboundMail(message, 'SMTP');
      const used: string[] = [];
      const transport = nodemailer.createTransport(await transportOptions(smtp, username, auth, conn.settings.timeoutMs, deps, where, used));
      try {
        const info = await transport.sendMail(nodemailerMessage(channel.id, mail));
        return { messageId: info.messageId };
      } catch (err) {
        const mapped = toSmtpError(err, where);
        if (mapped.code !== 'SMTP_CONNECT') throw redactError(mapped, used);
        // Refused, timed out, TLS failed: told to the log only (see toSmtpError).
        deps.log?.('SMTP connect failed', { server: where, code: (err as { code?: string }).code, detail: redactError(err, used).message });
        throw mapped;
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

/** nodemailer's options for the channel's SMTP server: checked address, TLS mode, credentials (the connection test's send stage uses them too). */
export async function transportOptions(
  smtp: SmtpSettings,
  user: string,
  auth: Auth,
  timeoutMs: number,
  deps: SmtpDeps,
  where: string,
  used: string[],
): Promise<SMTPTransport.Options> {
  if (smtp.tls === 'none' && (!smtp.allowPlaintext || auth.type === 'oauth')) {
    throw new PermanentError('SMTP_PLAINTEXT_REFUSED', `${where}: tls "none" needs connection.smtp.allowPlaintext (and is never used with OAuth)`);
  }
  // Connect to the address checked after DNS (no second lookup to rebind); the name stays the TLS servername.
  const target = await resolveConnectTarget(smtp.host, deps.targetPolicy ?? targetPolicyFromEnv(), where, deps.resolve).catch((err: unknown) => {
    throw err instanceof MailChannelError && err.code === 'CONNECT_FAILED' ? couldNotConnect(where) : err;
  });
  const creds = await credentials(auth, user, deps, where);
  if (creds?.pass) used.push(creds.pass);
  if (creds?.accessToken) used.push(creds.accessToken);
  return {
    host: target.address,
    port: smtp.port,
    secure: smtp.tls === 'implicit',
    // starttls: upgrade or fail, never send credentials in clear; none: do not even try.
    requireTLS: smtp.tls === 'starttls',
    ignoreTLS: smtp.tls === 'none',
    tls: { ...deps.tlsOptions, ...(target.servername ? { servername: target.servername } : {}), rejectUnauthorized: true },
    auth: creds,
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
  // A stored record is not refined (it always loads): an IMAP/SMTP managed identity fails here, clearly.
  if (auth.type === 'managedIdentity') throw new PermanentError('SMTP_AUTH', `${where}: ${MANAGED_IDENTITY_GRAPH_ONLY}`);
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

/** nodemailer codes of a connection that never got as far as a conversation (or lost it). */
const CONNECT_CODES = new Set(['ECONNECTION', 'ESOCKET', 'EDNS', 'ETIMEDOUT', 'ETLS', 'EPROTOCOL', 'EGREETING']);

function couldNotConnect(where: string): TransientError {
  return new TransientError('SMTP_CONNECT', `${where}: could not connect to the mail server`);
}

/**
 * SMTP reply codes say it themselves: 4xx try again later, 5xx never. Connection failures
 * (refused, timeout, TLS) are one coarse SMTP_CONNECT: telling them apart would let whoever
 * edits a channel map which ports answer where; the caller logs the detail.
 */
export function toSmtpError(err: unknown, where: string): MailChannelError {
  if (err instanceof MailChannelError) return err;
  const e = (typeof err === 'object' && err !== null ? err : { message: String(err) }) as NodemailerError;
  // A server may echo the command it refuses (AUTH PLAIN …): never keep its arguments.
  const detail = redactCredentials(e.response || e.message || 'unknown error');
  const reply = e.responseCode;
  if (e.code === 'EAUTH') {
    if (reply !== undefined && reply >= 400 && reply < 500) return new TransientError('SMTP_AUTH_UNAVAILABLE', `${where}: authentication temporarily failed: ${detail}`, { cause: err });
    return new PermanentError('SMTP_AUTH', `${where}: login rejected: ${detail}`, { cause: err });
  }
  if ((e.code && CONNECT_CODES.has(e.code)) || /certificate/i.test(e.message ?? '')) return couldNotConnect(where);
  if (reply !== undefined && reply >= 500) return new PermanentError('SMTP_REJECTED', `${where}: refused (${reply}): ${detail}`, { cause: err });
  if (reply !== undefined && reply >= 400) return new TransientError('SMTP_DEFERRED', `${where}: deferred (${reply}): ${detail}`, { cause: err });
  return new TransientError('SMTP_ERROR', `${where}: ${detail}`, { cause: err });
}
