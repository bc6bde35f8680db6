import { z } from 'zod';
import { hostSyntaxProblem } from '../net/address-policy';

/**
 * What an admin may write about where a channel connects: host syntax, token endpoints, and
 * clear text. Checked on input (ChannelInput) only, so a stored channel always loads; what
 * is stored is checked again where it is used (shared/net/connect-target.ts at connect time,
 * shared/sources/imap-connection.ts and shared/outbound/smtp.ts for clear text).
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

interface AuthLike {
  type: string;
  tokenEndpoint?: string;
}
interface TargetLike {
  host: string;
  tls: string;
  allowPlaintext?: boolean;
  auth?: AuthLike;
}
type ConnectionLike = (TargetLike & { protocol: 'graph'; auth: AuthLike }) | (TargetLike & { protocol: 'imap'; auth: AuthLike; smtp?: TargetLike });

type Path = (string | number)[];

/** Every connection rule of this file, as issues with the field path. */
export function connectionIssues(c: { connection: ConnectionLike }, ctx: z.RefinementCtx): void {
  const add = (path: Path, message: string) => ctx.addIssue({ code: 'custom', path, message });
  const conn = c.connection;
  const targets: [Path, TargetLike, AuthLike | undefined][] = [[['connection'], conn, conn.auth]];
  if (conn.protocol === 'imap' && conn.smtp) targets.push([['connection', 'smtp'], conn.smtp, conn.smtp.auth ?? conn.auth]);
  for (const [where, t, effectiveAuth] of targets) {
    const problem = hostSyntaxProblem(t.host);
    if (problem) add([...where, 'host'], problem);
    if (t.auth?.type === 'oauth' && t.auth.tokenEndpoint !== undefined) {
      const endpoint = TokenEndpoint.safeParse(t.auth.tokenEndpoint);
      if (!endpoint.success) add([...where, 'auth', 'tokenEndpoint'], endpoint.error.issues.map((i) => i.message).join('; '));
    }
    plaintext(where, t, conn.protocol, effectiveAuth?.type, add);
  }
}

/**
 * Clear-text IMAP/SMTP only as an explicit choice, and never for OAuth (a bearer token in
 * clear text is the mailbox). Graph always needs TLS.
 */
function plaintext(where: Path, t: TargetLike, protocol: string, authType: string | undefined, add: (path: Path, message: string) => void): void {
  if (t.tls !== 'none') return;
  if (protocol === 'graph') add([...where, 'tls'], 'Graph needs TLS: "none" is not possible');
  else if (authType === 'oauth') add([...where, 'tls'], 'OAuth tokens are never sent in clear text: use "implicit" or "starttls"');
  else if (!t.allowPlaintext) add([...where, 'allowPlaintext'], 'tls "none" sends the password and every mail in clear text: set allowPlaintext to true to choose that explicitly');
}
