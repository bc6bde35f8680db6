import type { ConnectionOptions } from 'node:tls';
import { ImapFlow, type ImapFlowOptions } from 'imapflow';
import type { Auth, ChannelRecord, SecretRef } from '../config/channel';
import { MANAGED_IDENTITY_GRAPH_ONLY } from '../config/channel';
import { MailChannelError, PermanentError, TransientError } from '../errors';
import { toImapError } from './imap-errors';
import { resolveConnectTarget, targetPolicyFromEnv, type ResolveAll, type TargetPolicy } from '../net/connect-target';

/**
 * Opening one authenticated IMAP connection for a channel: TLS mode, timeouts and
 * credentials (password from the secret store, or an OAuth access token sent as XOAUTH2).
 */

export type OAuthAuth = Extract<Auth, { type: 'oauth' }>;
export type ImapConnection = Extract<ChannelRecord['connection'], { protocol: 'imap' }>;

/**
 * TLS options a deployment (or a test) may add, e.g. `{ ca }` for a private CA.
 * Deliberately without `rejectUnauthorized`: certificate verification is never switched off.
 */
export type ExtraTlsOptions = Pick<ConnectionOptions, 'ca' | 'servername' | 'minVersion' | 'cert' | 'key'>;

export interface ImapDeps {
  /** The value behind a secret reference (secret store), or undefined when it is gone. */
  getSecret(ref: SecretRef): Promise<string | undefined>;
  /** An OAuth access token for `scope` (shared/auth); needed for channels with `auth.type = oauth`. */
  getAccessToken?(auth: OAuthAuth, scope: string): Promise<string>;
  /** The server refused the access token at login: forget the cached one, so the next getAccessToken redeems the grant anew. */
  rejectedAccessToken?(auth: OAuthAuth): void;
  tlsOptions?: ExtraTlsOptions;
  /** Which addresses the host may resolve to; default: the app setting MAIL_ALLOW_PRIVATE_HOSTS. */
  targetPolicy?: TargetPolicy;
  /** DNS resolution (tests); default the system resolver. */
  resolve?: ResolveAll;
  /** Where connect failures are told in detail (refused, timeout, TLS); the error itself says only "could not connect". */
  log?: (message: string, props: Record<string, unknown>) => void;
}

/**
 * Exchange Online's scopes for IMAP: app-only (client credentials) asks for the
 * resource's `.default`; delegated (authorization code) for IMAP.AccessAsUser.All.
 * Scopes set on the channel win.
 */
export function imapScope(auth: OAuthAuth): string {
  if (auth.scopes.length > 0) return auth.scopes.join(' ');
  return auth.flow === 'clientCredentials' ? 'https://outlook.office365.com/.default' : 'https://outlook.office.com/IMAP.AccessAsUser.All offline_access';
}

/** `host:port` for messages (never credentials). */
export function describeServer(conn: ImapConnection): string {
  return `IMAP ${conn.host}:${conn.port}`;
}

export async function imapClientOptions(conn: ImapConnection, deps: ImapDeps): Promise<ImapFlowOptions> {
  const timeoutMs = conn.settings.timeoutMs;
  const where = describeServer(conn);
  if (conn.tls === 'none' && (!conn.allowPlaintext || conn.auth.type === 'oauth')) {
    throw new PermanentError('IMAP_PLAINTEXT_REFUSED', `${where}: tls "none" needs connection.allowPlaintext (and is never used with OAuth)`);
  }
  // The checked address is what the socket connects to (no second lookup to rebind); the name stays the TLS servername.
  const target = await resolveConnectTarget(conn.host, deps.targetPolicy ?? targetPolicyFromEnv(), where, deps.resolve).catch((err: unknown) => {
    throw err instanceof MailChannelError && err.code === 'CONNECT_FAILED' ? couldNotConnect(where) : err;
  });
  return {
    host: target.address,
    ...(target.servername ? { servername: target.servername } : {}),
    port: conn.port,
    secure: conn.tls === 'implicit',
    // starttls: upgrade or fail (never fall back to cleartext); none: stay in cleartext.
    doSTARTTLS: conn.tls === 'starttls' ? true : conn.tls === 'none' ? false : undefined,
    tls: { ...deps.tlsOptions, rejectUnauthorized: true },
    auth: await credentials(conn, deps),
    connectionTimeout: timeoutMs,
    greetingTimeout: timeoutMs,
    socketTimeout: timeoutMs,
    // One short unit of work per connection: no IDLE, no compression to negotiate.
    disableAutoIdle: true,
    disableCompression: true,
    logger: false,
  };
}

async function credentials(conn: ImapConnection, deps: ImapDeps): Promise<NonNullable<ImapFlowOptions['auth']>> {
  const where = describeServer(conn);
  const auth = conn.auth;
  if (auth.type === 'password') {
    if (!auth.password) throw new PermanentError('IMAP_AUTH', `${where}: the channel has no password set`);
    const pass = await deps.getSecret(auth.password);
    if (pass === undefined) throw new PermanentError('IMAP_AUTH', `${where}: the password secret "${auth.password.ref}" is missing from the secret store`);
    return { user: conn.username, pass };
  }
  // A stored record is not refined (it always loads): an IMAP/SMTP managed identity fails here, clearly.
  if (auth.type === 'managedIdentity') throw new PermanentError('IMAP_AUTH', `${where}: ${MANAGED_IDENTITY_GRAPH_ONLY}`);
  if (!deps.getAccessToken) throw new PermanentError('IMAP_AUTH', `${where}: OAuth channel, but no access-token provider is configured`);
  try {
    return { user: conn.username, accessToken: await deps.getAccessToken(auth, imapScope(auth)) };
  } catch (err) {
    if (err instanceof MailChannelError) throw err;
    throw new TransientError('IMAP_TOKEN', `${where}: could not get an access token: ${(err as Error).message}`, { cause: err });
  }
}

/**
 * Connects and logs in. On any failure the socket is closed before the typed error
 * is thrown, so a failed attempt never leaves a connection behind.
 *
 * An OAuth token the server refuses may have been revoked before its expiry (the user's grant
 * withdrawn, sessions revoked): the login is tried once more with a token redeemed anew, and a
 * grant that is gone ends there, with the channel marked needsReauthorization (delegated-credential.ts).
 */
export async function openImapClient(conn: ImapConnection, deps: ImapDeps): Promise<ImapFlow> {
  try {
    return await connectAndLogIn(conn, deps);
  } catch (err) {
    if (conn.auth.type !== 'oauth' || !deps.rejectedAccessToken || !(err instanceof MailChannelError) || err.code !== 'IMAP_AUTH') throw err;
    deps.rejectedAccessToken(conn.auth);
    return connectAndLogIn(conn, deps);
  }
}

async function connectAndLogIn(conn: ImapConnection, deps: ImapDeps): Promise<ImapFlow> {
  const client = new ImapFlow(await imapClientOptions(conn, deps));
  // imapflow emits 'error' for socket failures; unhandled, that would crash the worker.
  client.on('error', () => undefined);
  try {
    await client.connect();
    return client;
  } catch (err) {
    client.close();
    const where = describeServer(conn);
    const mapped = toImapError(err, where);
    if (LOGIN_ANSWERS.has(mapped.code)) throw mapped;
    // Refused, timed out, not IMAP, TLS failed: the difference would let whoever edits a
    // channel map which ports answer where. It goes to the log; the error stays coarse.
    deps.log?.('IMAP connect failed', { server: where, code: mapped.code, detail: mapped.message });
    throw couldNotConnect(where);
  }
}

/** Answers of an IMAP server to the login: they say the connection itself worked. */
const LOGIN_ANSWERS = new Set(['IMAP_AUTH', 'IMAP_AUTH_UNAVAILABLE']);

function couldNotConnect(where: string): TransientError {
  return new TransientError('IMAP_CONNECT', `${where}: could not connect to the mail server`);
}
