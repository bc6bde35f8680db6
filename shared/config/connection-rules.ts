import { z } from 'zod';

/**
 * The connection fields' rules about where a secret may travel in clear text, and how a
 * token endpoint may look. Used by channel.ts on input; stored records are checked again
 * at connect time (shared/sources/imap-connection.ts, shared/outbound/smtp.ts).
 */

/**
 * Clear text is a choice an admin makes in so many words, and the view shows it: `tls: "none"`
 * is refused unless this is true next to it (and refused with OAuth whatever it says).
 */
export const AllowPlaintext = z
  .boolean()
  .default(false)
  .describe('true = the admin accepts that tls "none" sends the password and every mail in clear text');

/** A token endpoint: https only (the client secret travels to it), a plain host, no user info. */
export const TokenEndpoint = z.url({ protocol: /^https$/, hostname: z.regexes.hostname }).superRefine((url, ctx) => {
  // Refinements run after a failed URL check too: only a parseable URL has user info to look at.
  if (!URL.canParse(url)) return;
  const parsed = new URL(url);
  if (parsed.username || parsed.password) ctx.addIssue({ code: 'custom', message: 'must not contain user info' });
});

interface TlsAndAuth {
  tls: string;
  allowPlaintext?: boolean;
  auth?: { type: string };
}
type ConnectionLike = (TlsAndAuth & { protocol: 'graph' }) | (TlsAndAuth & { protocol: 'imap'; auth: { type: string }; smtp?: TlsAndAuth });

/**
 * Clear-text IMAP/SMTP only as an explicit choice, and never for OAuth (a bearer token in
 * clear text is the mailbox). Graph always needs TLS.
 */
export function plaintextIssues(c: { connection: ConnectionLike }, ctx: z.RefinementCtx): void {
  const conn = c.connection;
  if (conn.protocol === 'graph') {
    if (conn.tls === 'none') ctx.addIssue({ code: 'custom', path: ['connection', 'tls'], message: 'Graph needs TLS: "none" is not possible' });
    return;
  }
  const check = (where: string[], t: TlsAndAuth, authType: string | undefined) => {
    if (t.tls !== 'none') return;
    if (authType === 'oauth') {
      ctx.addIssue({ code: 'custom', path: [...where, 'tls'], message: 'OAuth tokens are never sent in clear text: use "implicit" or "starttls"' });
    } else if (!t.allowPlaintext) {
      ctx.addIssue({ code: 'custom', path: [...where, 'allowPlaintext'], message: 'tls "none" sends the password and every mail in clear text: set allowPlaintext to true to choose that explicitly' });
    }
  };
  check(['connection'], conn, conn.auth?.type);
  if (conn.smtp) check(['connection', 'smtp'], conn.smtp, (conn.smtp.auth ?? conn.auth)?.type);
}
