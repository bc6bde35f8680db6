import type { StageFailure } from './result';

/**
 * What a failure means and what to do about it, from the facts a probe saw: socket error
 * codes, Node's certificate verdicts, the words of an IMAP/SMTP server, Entra's AADSTS codes,
 * Graph's status and error code. Pure tables; server text is matched with `includes` on
 * lower-cased text (no regular expression runs over a server's words).
 */

const lower = (s: string | undefined) => (s ?? '').toLowerCase();

// ---------- DNS ----------

export function dnsFailure(host: string, code: string | undefined): StageFailure {
  if (code === 'ENOTFOUND' || code === 'ENODATA') {
    return { code: 'DNS_NOT_FOUND', message: `"${host}" has no address in DNS (${code})`, whatToDo: 'check the spelling of the host name; for Exchange Online IMAP it is outlook.office365.com, for SMTP smtp.office365.com' };
  }
  return { code: 'DNS_UNAVAILABLE', message: `"${host}" could not be resolved now (${code ?? 'unknown error'})`, whatToDo: "retry; if it persists, check the Function App's DNS settings (a VNet with custom DNS must resolve public names too)" };
}

export function targetRefused(host: string, reason: string): StageFailure {
  return {
    code: 'CONNECT_TARGET_REFUSED',
    message: `"${host}" is ${reason}; mail connections may not go there, so no connection was made`,
    whatToDo:
      "use the mail server's public host name. Private and loopback addresses are allowed only with the app setting MAIL_ALLOW_PRIVATE_HOSTS=true (an on-premises server reached through a VNet); link-local, metadata and platform addresses never are",
  };
}

// ---------- TCP ----------

export function tcpFailure(where: string, port: number, code: string | undefined): StageFailure {
  switch (code) {
    case 'ECONNREFUSED':
      return { code: 'TCP_REFUSED', message: `${where}: connection refused: nothing listens on port ${port}`, whatToDo: 'check the port: IMAP with TLS is 993 (tls implicit), IMAP with STARTTLS 143; SMTP submission 587 (starttls) or 465 (implicit)' };
    case 'ETIMEDOUT':
    case 'TIMEOUT':
      return { code: 'TCP_TIMEOUT', message: `${where}: no answer to the connection attempt (timed out)`, whatToDo: "a firewall drops the connection or the port is wrong: check the port, the server's firewall, and outbound rules of the Function App's network (NSG, Azure Firewall)" };
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return { code: 'TCP_UNREACHABLE', message: `${where}: no route to the host (${code})`, whatToDo: "check that the Function App's network can reach this address (VNet integration, routes)" };
    case 'ECONNRESET':
      return { code: 'TCP_RESET', message: `${where}: the connection was reset`, whatToDo: 'a firewall or the server closed the connection: check that the server accepts connections from the Function App\'s outbound addresses' };
    default:
      return { code: 'TCP_FAILED', message: `${where}: could not connect (${code ?? 'unknown error'})`, whatToDo: 'check host and port' };
  }
}

// ---------- TLS ----------

/** Node's certificate verdict codes (tls `authorizationError`, or an error's `code`). */
export function tlsFailure(where: string, code: string | undefined, detail: { host: string; issuer?: string; validTo?: string; names?: string[] }): StageFailure {
  switch (code) {
    case 'CERT_HAS_EXPIRED':
      return { code: 'TLS_CERT_EXPIRED', message: `${where}: the server's certificate expired${detail.validTo ? ` (${detail.validTo})` : ''}`, whatToDo: "the mail server's administrator must renew its certificate; nothing to change in the channel" };
    case 'CERT_NOT_YET_VALID':
      return { code: 'TLS_CERT_NOT_YET_VALID', message: `${where}: the server's certificate is not valid yet`, whatToDo: "the server's certificate or clock is wrong: its administrator must fix it" };
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
    case 'SELF_SIGNED_CERT_IN_CHAIN':
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
    case 'UNABLE_TO_GET_ISSUER_CERT':
    case 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY':
      return {
        code: 'TLS_UNTRUSTED',
        message: `${where}: the certificate is issued by ${detail.issuer ? `"${detail.issuer}"` : 'an issuer'}, which this app does not trust (${code})`,
        whatToDo:
          'the server must present a certificate from a public certificate authority (with its intermediate certificates); a self-signed or private-CA certificate is not accepted, and certificate checks cannot be switched off',
      };
    case 'ERR_TLS_CERT_ALTNAME_INVALID':
      return {
        code: 'TLS_NAME_MISMATCH',
        message: `${where}: the certificate does not name "${detail.host}"${detail.names?.length ? ` (it names ${detail.names.join(', ')})` : ''}`,
        whatToDo: 'use a host name the certificate names as connection.host (an IP address or an alias does not match)',
      };
    case 'CERT_REVOKED':
      return { code: 'TLS_CERT_REVOKED', message: `${where}: the server's certificate is revoked`, whatToDo: "the mail server's administrator must replace its certificate" };
    default:
      return {
        code: 'TLS_HANDSHAKE_FAILED',
        message: `${where}: TLS could not be negotiated (${code ?? 'unknown error'})`,
        whatToDo: 'check that connection.tls matches the port: "implicit" for 993 (IMAP) and 465 (SMTP), "starttls" for 143 (IMAP) and 587 (SMTP)',
      };
  }
}

export function startTlsUnavailable(where: string, serverText: string): StageFailure {
  return {
    code: 'TLS_STARTTLS_UNAVAILABLE',
    message: `${where}: the server does not offer STARTTLS${serverText ? ` (${serverText})` : ''}`,
    whatToDo: 'use the port with TLS from the first byte (tls "implicit": IMAP 993, SMTP 465), or ask the server administrator to enable STARTTLS; credentials are never sent in clear text without allowPlaintext',
  };
}

export function notTheProtocol(where: string, expected: 'IMAP' | 'SMTP', firstLine: string): StageFailure {
  return {
    code: `${expected}_NOT_SPOKEN`,
    message: `${where}: the server does not greet as an ${expected} server${firstLine ? ` (it said: ${firstLine})` : ''}`,
    whatToDo: expected === 'IMAP' ? 'check the port (993 or 143) and that connection.tls matches it' : 'check the port (587 or 465) and that connection.smtp.tls matches it',
  };
}

// ---------- IMAP authentication ----------

interface TextRule {
  /** All of these (lower case) appear in the server's answer. */
  contains: readonly string[];
  code: string;
  whatToDo: string;
}

const EXCHANGE_IMAP =
  "Exchange Online answers \"AUTHENTICATE failed.\" when IMAP is disabled for the mailbox (Set-CASMailbox <mailbox> -ImapEnabled $true), when basic authentication is off (use auth type oauth), or, with OAuth, when the app's service principal was not registered in Exchange (New-ServicePrincipal) or has no FullAccess on the mailbox (Add-MailboxPermission), or the token lacks IMAP.AccessAsApp";

const TLS_FOR_PASSWORDS = 'the server accepts passwords only over TLS: use tls "implicit" (993) or "starttls" (143)';

/** RFC 5530 response codes of a refused login that say more than "wrong credentials". */
const IMAP_RESPONSE_CODES: Record<string, { code: string; whatToDo: string }> = {
  UNAVAILABLE: { code: 'IMAP_AUTH_UNAVAILABLE', whatToDo: "the server's sign-in service is down for the moment: retry later" },
  LIMIT: { code: 'IMAP_TOO_MANY_SESSIONS', whatToDo: 'the mailbox has too many open sessions (mail clients count too): close some, or retry later' },
  INUSE: { code: 'IMAP_TOO_MANY_SESSIONS', whatToDo: 'the mailbox is in use by too many sessions: retry later' },
  PRIVACYREQUIRED: { code: 'IMAP_TLS_REQUIRED', whatToDo: TLS_FOR_PASSWORDS },
  EXPIRED: { code: 'IMAP_CREDENTIALS_EXPIRED', whatToDo: 'the password (or token) expired: set a new one' },
  CONTACTADMIN: { code: 'IMAP_ACCOUNT_BLOCKED', whatToDo: "the server's administrator must unblock the account" },
};

const IMAP_AUTH_RULES: readonly TextRule[] = [
  { contains: ['user is authenticated but not connected'], code: 'IMAP_MAILBOX_NOT_CONNECTED', whatToDo: "the sign-in worked but the mailbox cannot be opened: give the app's service principal FullAccess on the mailbox (Add-MailboxPermission) and check that connection.username is the mailbox address" },
  { contains: ['authenticate failed'], code: 'IMAP_AUTH_FAILED', whatToDo: EXCHANGE_IMAP },
  { contains: ['application-specific password'], code: 'IMAP_APP_PASSWORD_REQUIRED', whatToDo: 'the account has two-step verification: create an app password for the mailbox and use it as the password' },
  { contains: ['web browser'], code: 'IMAP_WEB_LOGIN_REQUIRED', whatToDo: 'the provider wants an interactive sign-in first (or blocks password sign-ins): sign in once in a browser, or use OAuth' },
  { contains: ['plaintext authentication disallowed'], code: 'IMAP_TLS_REQUIRED', whatToDo: TLS_FOR_PASSWORDS },
];

export function imapAuthFailure(where: string, user: string, serverText: string, responseCode: string | undefined): StageFailure {
  const message = `${where}: the server refused the sign-in of "${user}"${serverText ? `: ${serverText}` : ''}`;
  const byCode = responseCode ? IMAP_RESPONSE_CODES[responseCode.toUpperCase()] : undefined;
  if (byCode) return { ...byCode, message };
  const text = lower(serverText);
  const rule = IMAP_AUTH_RULES.find((r) => r.contains.every((c) => text.includes(c)));
  if (rule) return { code: rule.code, message, whatToDo: rule.whatToDo };
  return {
    code: 'IMAP_AUTH_FAILED',
    message,
    whatToDo: 'check connection.username (often the full mail address) and the password; send the password again if it changed',
  };
}

// ---------- SMTP authentication ----------

const SMTP_AUTH_RULES: readonly TextRule[] = [
  { contains: ['smtpclientauthentication is disabled'], code: 'SMTP_AUTH_DISABLED', whatToDo: 'SMTP AUTH is off for the tenant or mailbox in Exchange Online: Set-CASMailbox <mailbox> -SmtpClientAuthenticationDisabled $false (or enable it for the organization)' },
  { contains: ['5.7.139'], code: 'SMTP_AUTH_DISABLED', whatToDo: 'Exchange Online refuses SMTP AUTH for this mailbox (5.7.139): enable SMTP AUTH for it, or for OAuth check SMTP.SendAsApp and the mailbox permission of the app' },
  { contains: ['must issue a starttls'], code: 'SMTP_TLS_REQUIRED', whatToDo: 'the server accepts credentials only over TLS: use connection.smtp.tls "starttls" (587) or "implicit" (465)' },
  { contains: ['5.7.3'], code: 'SMTP_AUTH_FAILED', whatToDo: 'wrong username or password (Exchange Online: 5.7.3 also when security defaults block basic authentication; use OAuth)' },
  { contains: ['application-specific password'], code: 'SMTP_APP_PASSWORD_REQUIRED', whatToDo: 'the account has two-step verification: create an app password and use it' },
];

export function smtpAuthFailure(where: string, user: string, serverText: string, replyCode: number | undefined): StageFailure {
  const text = lower(serverText);
  const rule = SMTP_AUTH_RULES.find((r) => r.contains.every((c) => text.includes(c)));
  const message = `${where}: the server refused the sign-in of "${user}"${replyCode ? ` (${replyCode})` : ''}${serverText ? `: ${serverText}` : ''}`;
  if (rule) return { code: rule.code, message, whatToDo: rule.whatToDo };
  if (replyCode !== undefined && replyCode >= 400 && replyCode < 500) {
    return { code: 'SMTP_AUTH_UNAVAILABLE', message, whatToDo: 'the server could not check the credentials now: retry later' };
  }
  return { code: 'SMTP_AUTH_FAILED', message, whatToDo: 'check connection.smtp.username (or the IMAP username it defaults to) and the password of the SMTP login' };
}

// ---------- Entra ID (AADSTS) ----------

const AADSTS_ADVICE: Record<string, string> = {
  '7000215': 'the client secret is wrong: copy the secret\'s Value (not its Secret ID) from the app registration\'s "Certificates & secrets" and send it as connection.auth.clientSecret',
  '7000222': 'the client secret has expired: create a new one in the app registration ("Certificates & secrets") and send it as connection.auth.clientSecret',
  '700016': 'no app with this client id in this tenant: check connection.auth.clientId (the Application (client) ID) and tenantId, and that an admin of the mailbox\'s tenant consented to the app',
  '90002': 'the tenant does not exist: check connection.auth.tenantId (the Directory (tenant) ID, or a verified domain of the tenant)',
  '900023': 'connection.auth.tenantId is not a tenant id or domain: use the Directory (tenant) ID',
  '7000112': 'the app is disabled in this tenant: an admin must enable its enterprise application',
  '65001': 'the app has no admin consent for the permissions: grant admin consent in the app registration ("API permissions")',
  '500011': 'the resource of the requested scope is not known in the tenant: check connection.auth.scopes',
  '1002012': 'the scope is not valid for the client-credentials flow: use a resource\'s ".default" scope (or leave connection.auth.scopes empty)',
  '70011': 'the scope is not valid: check connection.auth.scopes (or leave them empty)',
  '700024': 'the client assertion is not valid: check the app registration\'s credentials',
};

/** The AADSTS number in an identity provider's text, when there is one. */
export function aadstsCode(text: string): string | undefined {
  const at = text.indexOf('AADSTS');
  if (at < 0) return undefined;
  let end = at + 6;
  while (end < text.length && end < at + 16 && text.charCodeAt(end) >= 48 && text.charCodeAt(end) <= 57) end++;
  return end > at + 6 ? text.slice(at + 6, end) : undefined;
}

export function tokenFailure(what: string, providerText: string, retryable: boolean): StageFailure {
  const code = aadstsCode(providerText);
  const known = code ? AADSTS_ADVICE[code] : undefined;
  if (code) {
    return { code: `AADSTS${code}`, message: `${what}: ${providerText}`, whatToDo: known ?? `look up AADSTS${code} in Microsoft's Entra ID error reference (https://login.microsoftonline.com/error?code=${code})` };
  }
  return {
    code: retryable ? 'TOKEN_UNAVAILABLE' : 'TOKEN_REFUSED',
    message: `${what}: ${providerText}`,
    whatToDo: retryable ? 'the identity provider could not be reached or did not answer: check connection.auth.tokenEndpoint and tenantId, then retry' : 'check connection.auth (tenantId, clientId, client secret)',
  };
}

// ---------- Graph mailbox ----------

export function graphMailboxFailure(mailbox: string, status: number, graphCode: string | undefined, graphMessage: string, outOfScope: boolean): StageFailure {
  const message = `Graph answered ${status}${graphCode ? ` ${graphCode}` : ''} for mailbox ${mailbox}${graphMessage ? `: ${graphMessage}` : ''}`;
  if (outOfScope) {
    return {
      code: 'GRAPH_MAILBOX_OUT_OF_SCOPE',
      message,
      whatToDo:
        "the mailbox is outside the application access policy (or the RBAC for Applications management scope) of the app: add it to the scope's mail-enabled security group (New-ApplicationAccessPolicy / New-ManagementScope); Exchange can take up to two hours to apply the change",
    };
  }
  if (status === 403) {
    return {
      code: 'GRAPH_ACCESS_DENIED',
      message,
      whatToDo: 'the app lacks Mail.ReadWrite (an application permission, with admin consent), or the mailbox is outside the application access policy: grant Mail.ReadWrite and admin consent in the app registration, and check the policy',
    };
  }
  if (status === 404) {
    return { code: 'GRAPH_MAILBOX_NOT_FOUND', message, whatToDo: "mailbox not found: check connection.username (the mailbox's primary SMTP address or user principal name); a user or shared mailbox works, a group or a contact does not, and a mailbox only on-premises is not reachable through Graph" };
  }
  if (status === 401) {
    return { code: 'GRAPH_TOKEN_REJECTED', message, whatToDo: "Graph refused the token: check that tenantId is the mailbox's tenant and that the app registration has the Microsoft Graph permissions with admin consent" };
  }
  if (status === 429 || status >= 500) {
    return { code: 'GRAPH_UNAVAILABLE', message, whatToDo: 'Graph is busy or unavailable for this mailbox now: retry in a minute' };
  }
  return { code: 'GRAPH_REQUEST_REJECTED', message, whatToDo: 'check connection.username and connection.host' };
}

export function missingReadFolder(name: string, available: readonly string[]): StageFailure {
  const hint = available.length ? `; the mailbox has ${available.slice(0, 20).map((f) => `"${f}"`).join(', ')}${available.length > 20 ? ', …' : ''}` : '';
  return {
    code: 'FOLDER_MISSING',
    message: `the folder to read "${name}" does not exist${hint}`,
    whatToDo: 'create the folder in the mailbox, or pick one of the folders listed here for folders.read',
  };
}
