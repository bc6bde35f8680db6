import { MailChannelError, PermanentError, TransientError } from '../errors';
import { redactCredentials } from '../http/redact';

/**
 * Turns what imapflow (or the socket under it) throws into the seam's typed errors:
 * can a retry help or not. Messages name the server and the operation, never a secret.
 */

/** imapflow and Node codes that mean the connection failed or went silent. */
const TIMEOUT_CODES = new Set(['CONNECT_TIMEOUT', 'GREETING_TIMEOUT', 'UPGRADE_TIMEOUT', 'ETIMEOUT', 'ETIMEDOUT', 'LockTimeout']);
const CONNECTION_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN',
  'NoConnection', 'EConnectionClosed', 'ClosedAfterConnectText', 'ClosedAfterConnectTLS', 'StateLogout', 'ETHROTTLE',
]);
/** Server response codes (RFC 5530) that say "not now" rather than "never". */
const TRANSIENT_RESPONSE_CODES = new Set(['UNAVAILABLE', 'INUSE', 'LIMIT', 'SERVERBUG', 'OVERQUOTA', 'CONTACTADMIN']);

interface ImapFlowErrorLike {
  message?: string;
  code?: string;
  authenticationFailed?: boolean;
  mailboxMissing?: boolean;
  tlsFailed?: boolean;
  serverResponseCode?: string;
  responseText?: string;
  responseStatus?: string;
}

export function toImapError(err: unknown, where: string): MailChannelError {
  if (err instanceof MailChannelError) return err;
  const e = (typeof err === 'object' && err !== null ? err : { message: String(err) }) as ImapFlowErrorLike;
  // A server may echo the command it refuses (LOGIN user pass): never keep its arguments.
  const detail = redactCredentials(e.responseText || e.message || 'unknown error');
  const responseCode = e.serverResponseCode?.toUpperCase();

  if (e.authenticationFailed) {
    // `NO [UNAVAILABLE]` at login: the server's auth backend is down; `NO [LIMIT]`/`[INUSE]`: this user
    // has too many sessions (Dovecot's mail_max_userip_connections; a person's mail client counts too).
    // The credentials may be fine.
    if (responseCode === 'UNAVAILABLE' || responseCode === 'LIMIT' || responseCode === 'INUSE') return new TransientError('IMAP_AUTH_UNAVAILABLE', `${where}: authentication temporarily unavailable: ${detail}`, { cause: err });
    return new PermanentError('IMAP_AUTH', `${where}: login rejected: ${detail}`, { cause: err });
  }
  if (e.mailboxMissing || responseCode === 'NONEXISTENT' || responseCode === 'TRYCREATE') {
    return new PermanentError('IMAP_NO_FOLDER', `${where}: folder does not exist: ${detail}`, { cause: err });
  }
  if (e.tlsFailed || isCertificateError(e.code)) {
    // A certificate that does not verify will not verify on retry: the admin must act.
    return new PermanentError('IMAP_TLS', `${where}: TLS failed: ${detail}`, { cause: err });
  }
  if (responseCode === 'CANNOT') {
    // e.g. a folder name the server will never accept
    return new PermanentError('IMAP_REFUSED', `${where}: the server refuses: ${detail}`, { cause: err });
  }
  if (e.code === 'MissingServerExtension') return new PermanentError('IMAP_UNSUPPORTED', `${where}: ${detail}`, { cause: err });
  if (e.code && TIMEOUT_CODES.has(e.code)) return new TransientError('IMAP_TIMEOUT', `${where}: timed out (${e.code})`, { cause: err });
  if (e.code && CONNECTION_CODES.has(e.code)) return new TransientError('IMAP_CONNECTION', `${where}: connection failed (${e.code}): ${detail}`, { cause: err });
  if (responseCode && TRANSIENT_RESPONSE_CODES.has(responseCode)) {
    return new TransientError('IMAP_UNAVAILABLE', `${where}: server busy (${responseCode}): ${detail}`, { cause: err });
  }
  // Anything else (an unexpected NO/BAD, a parser error): let the queue try again.
  return new TransientError('IMAP_ERROR', `${where}: ${detail}`, { cause: err });
}

function isCertificateError(code: string | undefined): boolean {
  if (!code) return false;
  return code.includes('CERT') || code === 'DEPTH_ZERO_SELF_SIGNED_CERT' || code === 'SELF_SIGNED_CERT_IN_CHAIN' || code === 'ERR_TLS_CERT_ALTNAME_INVALID' || code === 'UNABLE_TO_VERIFY_LEAF_SIGNATURE';
}
