import type net from 'node:net';
import { ImapFlow, type ListResponse } from 'imapflow';
import type { ChannelRecord } from '../../config/channel';
import { MailChannelError } from '../../errors';
import { imapClientOptions, describeServer, type ImapConnection, type ImapDeps } from '../../sources/imap-connection';
import { toImapError } from '../../sources/imap-errors';
import { sameServerPath, serverPath } from '../../sources/imap-folders';
import type { TargetPolicy } from '../../net/address-policy';
import { imapAuthFailure, missingReadFolder, notTheProtocol, startTlsUnavailable, tokenFailure } from './advice';
import { configuredFolders, MAX_LISTED_FOLDERS, withNotes } from './folders';
import { closeQuietly, LineReader, MAX_STEP_MS, probeDns, probeTcp, probeTls, resolvedAs, serverWords, type NetProbeDeps, type OpenSocket, type TlsInfo } from './probe-net';
import { fail, pass, shapeResult, StageRecorder, type ConnectionTestResult, type StageDetails, type StageId, type StageOutcome } from './result';
import { SignInStageError } from './sign-in-check';
import { testSmtpSend } from './smtp-test';
import type { ResolveAll } from '../../net/connect-target';

/**
 * The connection test of an IMAP channel: DNS and address policy → TCP → TLS (implicit or
 * STARTTLS, certificate shown) on a probe connection that never carries a credential; then
 * the sign-in and the folder listing on a connection opened exactly as the mail source opens
 * it (same options, same checks), to the addresses the DNS stage checked; then SMTP.
 */
export const IMAP_PLAN: readonly StageId[] = ['dns', 'tcp', 'tls', 'authentication', 'folders', 'send'];

export interface ImapTestDeps extends Omit<ImapDeps, 'targetPolicy' | 'resolve' | 'log'> {
  targetPolicy: TargetPolicy;
  resolve?: ResolveAll;
  openSocket?: OpenSocket;
  /** Monotonic ms (stage timings). */
  now?: () => number;
}

export async function testImapConnection(channel: ChannelRecord, deps: ImapTestDeps): Promise<ConnectionTestResult> {
  const original = channel.connection;
  if (original.protocol !== 'imap') throw new Error('testImapConnection needs an IMAP channel');
  const conn: ImapConnection = { ...original, settings: { ...original.settings, timeoutMs: Math.min(original.settings.timeoutMs, MAX_STEP_MS) } };
  const now = deps.now ?? (() => performance.now());
  const started = now();
  const testedAt = new Date();
  const rec = new StageRecorder(now);
  const where = describeServer(conn);
  const net: NetProbeDeps = {
    policy: deps.targetPolicy,
    ...(deps.resolve ? { resolve: deps.resolve } : {}),
    ...(deps.openSocket ? { openSocket: deps.openSocket } : {}),
    ...(deps.tlsOptions?.ca ? { ca: deps.tlsOptions.ca } : {}),
    timeoutMs: conn.settings.timeoutMs,
  };
  const result = () => shapeResult({ protocol: 'imap', plan: IMAP_PLAN, recorded: rec.recorded, testedAt, totalMs: now() - started });

  // DNS and the address policy: a refused address ends the test here, before any socket.
  let addresses: { address: string; family: number }[] = [];
  let address = '';
  let servername: string | undefined;
  await rec.run('dns', async () => {
    const d = await probeDns('imap', conn.host, net);
    if (!d.ok) return fail(d.failure, { targets: [d.detail] });
    ({ addresses, address, servername } = d);
    return pass({ targets: [d.detail] });
  });
  if (rec.stopped) return result();

  let socket: net.Socket | undefined;
  await rec.run('tcp', async () => {
    const t = await probeTcp(where, address, conn.port, net);
    if (!t.ok) return fail(t.failure, { targets: [{ role: 'imap', address, port: conn.port, connected: false }] });
    socket = t.socket;
    return pass({ targets: [{ role: 'imap', address, port: conn.port, connected: true }] });
  });
  if (rec.stopped || !socket) return result();

  try {
    const probe = socket;
    await rec.run('tls', async () =>
      conn.tls === 'none'
        ? ((await imapGreeting(where, new LineReader(probe), conn.settings.timeoutMs)) ?? {
            status: 'skipped',
            details: { skippedBecause: 'connection.tls is "none" (allowPlaintext): the password and every mail travel in clear text' },
          })
        : imapTls(where, probe, conn, servername, net),
    );
  } finally {
    closeQuietly(socket);
  }
  if (rec.stopped) return result();

  // The sign-in, on a connection opened as the mail source opens it, to the checked addresses.
  let client: ImapFlow | undefined;
  try {
    await rec.run('authentication', async () => {
      const r = await signIn(conn, { ...deps, targetPolicy: deps.targetPolicy, resolve: resolvedAs(addresses) });
      client = r.client;
      return r.outcome;
    });
    if (rec.stopped || !client) return result();
    const signedIn = client;
    await rec.run('folders', () => imapFolders(signedIn, channel));
  } finally {
    if (client) await client.logout().catch(() => client?.close());
  }
  if (rec.stopped) return result();

  await rec.run('send', () => testSmtpSend(channel, deps));
  return result();
}

/** Reads the greeting on a clear-text connection: a failure outcome unless the server speaks IMAP. */
async function imapGreeting(where: string, reader: LineReader, timeoutMs: number): Promise<StageOutcome | undefined> {
  try {
    const line = await reader.next(timeoutMs);
    if (line.startsWith('* OK') || line.startsWith('* PREAUTH')) return undefined;
    return fail(notTheProtocol(where, 'IMAP', serverWords(line)));
  } catch (err) {
    return fail(notTheProtocol(where, 'IMAP', (err as Error).message));
  } finally {
    reader.release();
  }
}

async function imapTls(where: string, socket: net.Socket, conn: ImapConnection, servername: string | undefined, net: NetProbeDeps): Promise<StageOutcome> {
  const timeoutMs = conn.settings.timeoutMs;
  if (conn.tls === 'starttls') {
    const reader = new LineReader(socket);
    try {
      const greeting = await reader.next(timeoutMs);
      if (!greeting.startsWith('* OK')) return fail(notTheProtocol(where, 'IMAP', serverWords(greeting)));
      reader.write('T1 CAPABILITY');
      const caps = await untilTagged(reader, 'T1', timeoutMs);
      if (!caps.capabilities.includes('STARTTLS')) return fail(startTlsUnavailable(where, ''), tlsTarget(conn, { trusted: false }));
      reader.write('T2 STARTTLS');
      const answer = await untilTagged(reader, 'T2', timeoutMs);
      if (!answer.tagged.startsWith('T2 OK')) return fail(startTlsUnavailable(where, serverWords(answer.tagged)), tlsTarget(conn, { trusted: false }));
    } catch (err) {
      return fail(notTheProtocol(where, 'IMAP', (err as Error).message));
    } finally {
      reader.release();
    }
  }
  const t = await probeTls(where, socket, conn.host, servername, net);
  if (!t.ok) return fail(t.failure, tlsTarget(conn, t.info));
  try {
    if (conn.tls === 'implicit') {
      const greeting = await imapGreeting(where, new LineReader(t.socket), timeoutMs);
      if (greeting) return { ...greeting, details: tlsTarget(conn, t.info) } as StageOutcome;
    }
    return pass(tlsTarget(conn, t.info));
  } finally {
    closeQuietly(t.socket);
  }
}

function tlsTarget(conn: { tls: 'implicit' | 'starttls' | 'none' }, info: TlsInfo): StageDetails {
  return { targets: [{ role: 'imap', mode: conn.tls, ...info }] };
}

/** Reads untagged lines until the tagged answer; collects CAPABILITY words on the way. */
async function untilTagged(reader: LineReader, tag: string, timeoutMs: number): Promise<{ tagged: string; capabilities: string[] }> {
  const capabilities: string[] = [];
  for (let i = 0; i < 100; i++) {
    const line = await reader.next(timeoutMs);
    if (line.startsWith(`${tag} `)) return { tagged: line, capabilities };
    if (line.toUpperCase().startsWith('* CAPABILITY ')) capabilities.push(...line.slice(13).toUpperCase().split(' ').filter(Boolean));
  }
  throw new Error(`no answer to ${tag} after 100 lines`);
}

interface ImapFlowFailure {
  authenticationFailed?: boolean;
  responseText?: string;
  serverResponseCode?: string;
  message?: string;
}

async function signIn(conn: ImapConnection, deps: ImapDeps & { targetPolicy: TargetPolicy }): Promise<{ client?: ImapFlow; outcome: StageOutcome }> {
  const where = describeServer(conn);
  const mechanism = conn.auth.type === 'oauth' ? `XOAUTH2 (OAuth ${conn.auth.flow === 'clientCredentials' ? 'client credentials' : 'authorization code'})` : conn.auth.type === 'password' ? 'password (LOGIN / AUTHENTICATE PLAIN)' : conn.auth.type;
  const details: StageDetails = { mechanism, user: conn.username };
  let options;
  try {
    options = await imapClientOptions(conn, deps);
  } catch (err) {
    if (err instanceof SignInStageError) return { outcome: fail(err.failure, details) };
    const e = err instanceof MailChannelError ? err : toImapError(err, where);
    if (e.code === 'IMAP_TOKEN' || e.code.startsWith('AUTH_')) return { outcome: fail(tokenFailure(`${where}: no access token for XOAUTH2`, e.message, e.retryable), details) };
    return { outcome: fail({ code: e.code, message: e.message, whatToDo: 'set the missing credential (send it again in the channel), or fix connection.auth' }, details) };
  }
  const client = new ImapFlow(options);
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (err) {
    client.close();
    const e = err as ImapFlowFailure;
    if (e.authenticationFailed) return { outcome: fail(imapAuthFailure(where, conn.username, serverWords(e.responseText ?? e.message ?? ''), e.serverResponseCode), details) };
    const mapped = toImapError(err, where);
    return { outcome: fail({ code: mapped.code, message: mapped.message, whatToDo: 'the server was reachable a moment ago; retry, and check the server log if it keeps failing' }, details) };
  }
  return { client, outcome: pass({ ...details, capabilities: [...client.capabilities.keys()].sort() }) };
}

async function imapFolders(client: ImapFlow, channel: ChannelRecord): Promise<StageOutcome> {
  let listed: ListResponse[];
  try {
    // Counts cost a STATUS per folder on servers without LIST-STATUS (Exchange): only for a mailbox of listable size.
    const plain = await client.list();
    listed = plain.length <= MAX_LISTED_FOLDERS ? await client.list({ statusQuery: { messages: true, unseen: true } }) : plain;
  } catch (err) {
    const e = toImapError(err, 'IMAP');
    return fail({ code: 'IMAP_LIST_FAILED', message: `the folder list could not be read: ${e.message}`, whatToDo: 'retry; if it persists, the server refuses LIST/STATUS for this login' });
  }
  const folders = listed.slice(0, MAX_LISTED_FOLDERS).map((f) => ({
    path: f.path,
    ...(f.status?.messages !== undefined ? { messages: f.status.messages } : {}),
    ...(f.status?.unseen !== undefined ? { unread: f.status.unseen } : {}),
    ...(f.specialUse ? { specialUse: f.specialUse } : {}),
  }));
  const paths = listed.map((f) => f.path);
  const exists = (name: string) => {
    const p = serverPath(name, client.namespace ?? undefined);
    return paths.some((q) => sameServerPath(q, p));
  };
  const configured = configuredFolders(channel).map((c) => ({ ...c, exists: exists(c.name) }));
  const details: StageDetails = { folders, ...(listed.length > MAX_LISTED_FOLDERS ? { foldersTruncated: true } : {}), configured: withNotes(configured) };
  const missingRead = configured.find((c) => c.role === 'read' && !c.exists);
  return missingRead ? fail(missingReadFolder(missingRead.name, paths), details) : pass(details);
}
