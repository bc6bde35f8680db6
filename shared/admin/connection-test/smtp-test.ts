import os from 'node:os';
import type net from 'node:net';
import nodemailer from 'nodemailer';
import type { ChannelRecord } from '../../config/channel';
import { MailChannelError } from '../../errors';
import { toSmtpError, transportOptions } from '../../outbound/smtp';
import { notTheProtocol, smtpAuthFailure, startTlsUnavailable, tokenFailure } from './advice';
import { closeQuietly, LineReader, MAX_STEP_MS, probeDns, probeTcp, probeTls, resolvedAs, serverWords, type NetProbeDeps, type TlsInfo } from './probe-net';
import type { StageDetails, StageFailure, StageOutcome } from './result';
import type { ImapTestDeps } from './imap-test';
import { SignInStageError } from './sign-in-check';

/**
 * The send stage of an IMAP channel: its SMTP server resolved and checked, connected, TLS
 * negotiated (certificate shown) with the EHLO keywords read, then a sign-in with the
 * channel's credentials through the same nodemailer options the sender uses — and QUIT.
 * No MAIL FROM, no RCPT TO, no DATA: nothing is sent.
 */

type Step = NonNullable<StageDetails['steps']>[number];

export async function testSmtpSend(channel: ChannelRecord, deps: ImapTestDeps): Promise<StageOutcome> {
  const conn = channel.connection;
  if (conn.protocol !== 'imap' || !conn.smtp) {
    return { status: 'skipped', details: { skippedBecause: 'no SMTP server is configured (connection.smtp): this channel cannot send auto-responses or replies' } };
  }
  const smtp = conn.smtp;
  const user = smtp.username ?? conn.username;
  const auth = smtp.auth ?? conn.auth;
  const where = `SMTP ${smtp.host}:${smtp.port}`;
  const timeoutMs = Math.min(conn.settings.timeoutMs, MAX_STEP_MS);
  const now = deps.now ?? (() => performance.now());
  const net: NetProbeDeps = {
    policy: deps.targetPolicy,
    ...(deps.resolve ? { resolve: deps.resolve } : {}),
    ...(deps.openSocket ? { openSocket: deps.openSocket } : {}),
    ...(deps.tlsOptions?.ca ? { ca: deps.tlsOptions.ca } : {}),
    timeoutMs,
  };
  const steps: Step[] = [];
  const targets: NonNullable<StageDetails['targets']> = [];
  const details = (): StageDetails => ({ server: where, steps, targets });
  /** Runs one step of the stage, recording its time and whether it failed. */
  const timed = async <T>(name: string, fn: () => Promise<T>, failed: (r: T) => boolean): Promise<T> => {
    const t0 = now();
    const r = await fn();
    steps.push({ step: name, status: failed(r) ? 'fail' : 'pass', ms: Math.max(0, Math.round(now() - t0)) });
    return r;
  };

  const dns = await timed('dns', () => probeDns('smtp', smtp.host, net), (d) => !d.ok);
  targets.push(dns.detail);
  if (!dns.ok) return fail(dns.failure, details());

  const tcp = await timed('tcp', () => probeTcp(where, dns.address, smtp.port, net), (t) => !t.ok);
  targets.push({ role: 'smtp', address: dns.address, port: smtp.port, connected: tcp.ok });
  if (!tcp.ok) return fail(tcp.failure, details());

  const secured = await timed('tls', () => smtpTls(where, tcp.socket, smtp.tls, smtp.host, dns.servername, net), (r) => r.failure !== undefined);
  targets.push({ role: 'smtp', mode: smtp.tls, ...secured.info });
  const capabilities = secured.capabilities;
  if (secured.failure) return fail(secured.failure, { ...details(), capabilities });

  const mechanism = auth.type === 'oauth' ? 'XOAUTH2' : auth.type === 'password' ? 'password (AUTH PLAIN / LOGIN)' : auth.type;
  const signedIn = await timed('authentication', () => smtpSignIn(where, user, smtp, auth, timeoutMs, { ...deps, resolve: resolvedAs(dns.addresses) }), (r) => r.failure !== undefined);
  const full: StageDetails = { ...details(), capabilities, mechanism, user };
  if (signedIn.failure) return fail(signedIn.failure, full);
  return {
    status: 'pass',
    details: {
      ...full,
      verified: 'the SMTP server accepted the sign-in; the session ended with QUIT before MAIL FROM, so no mail was sent',
      notVerified: "whether the server lets this login send as the channel's address (connection.replyTo or the mailbox): servers check the sender only when a mail is sent",
    },
  };
}

function fail(failure: StageFailure, details: StageDetails): StageOutcome {
  return { status: 'fail', details, failure };
}

/** Reads one SMTP reply (multi-line `250-…` up to `250 …`): its code and its lines' text. */
async function reply(reader: LineReader, timeoutMs: number): Promise<{ code: number; lines: string[] }> {
  const lines: string[] = [];
  for (let i = 0; i < 100; i++) {
    const line = await reader.next(timeoutMs);
    const code = Number(line.slice(0, 3));
    if (!Number.isInteger(code) || line.length < 3) throw new Error(`not an SMTP reply: ${serverWords(line, 80)}`);
    lines.push(line.slice(4));
    if (line[3] !== '-') return { code, lines };
  }
  throw new Error('an SMTP reply of more than 100 lines');
}

async function ehlo(reader: LineReader, timeoutMs: number): Promise<string[]> {
  reader.write(`EHLO ${os.hostname() || 'localhost'}`);
  const r = await reply(reader, timeoutMs);
  if (r.code !== 250) throw new Error(`EHLO refused (${r.code} ${serverWords(r.lines.join(' '))})`);
  return r.lines.slice(1).map((l) => serverWords(l, 120));
}

async function greeting(where: string, reader: LineReader, timeoutMs: number): Promise<StageFailure | undefined> {
  try {
    const r = await reply(reader, timeoutMs);
    return r.code === 220 ? undefined : notTheProtocol(where, 'SMTP', `${r.code} ${serverWords(r.lines.join(' '))}`);
  } catch (err) {
    return notTheProtocol(where, 'SMTP', (err as Error).message);
  }
}

async function smtpTls(
  where: string,
  socket: net.Socket,
  mode: 'implicit' | 'starttls' | 'none',
  host: string,
  servername: string | undefined,
  net: NetProbeDeps,
): Promise<{ info: TlsInfo; capabilities: string[]; failure?: StageFailure }> {
  const timeoutMs = net.timeoutMs;
  const none: TlsInfo = { trusted: false };
  let session: net.Socket = socket;
  try {
    if (mode === 'implicit') {
      const t = await probeTls(where, socket, host, servername, net);
      if (!t.ok) return { info: t.info, capabilities: [], failure: t.failure };
      session = t.socket;
      return await afterTls(where, session, t.info, timeoutMs);
    }
    const reader = new LineReader(socket);
    let caps: string[];
    try {
      const bad = await greeting(where, reader, timeoutMs);
      if (bad) return { info: none, capabilities: [], failure: bad };
      caps = await ehlo(reader, timeoutMs);
      if (mode === 'none') {
        reader.write('QUIT');
        return { info: none, capabilities: caps };
      }
      if (!caps.some((c) => c.toUpperCase() === 'STARTTLS')) return { info: none, capabilities: caps, failure: startTlsUnavailable(where, '') };
      reader.write('STARTTLS');
      const r = await reply(reader, timeoutMs);
      if (r.code !== 220) return { info: none, capabilities: caps, failure: startTlsUnavailable(where, `${r.code} ${serverWords(r.lines.join(' '))}`) };
    } catch (err) {
      return { info: none, capabilities: [], failure: notTheProtocol(where, 'SMTP', (err as Error).message) };
    } finally {
      reader.release();
    }
    const t = await probeTls(where, socket, host, servername, net);
    if (!t.ok) return { info: t.info, capabilities: caps, failure: t.failure };
    session = t.socket;
    const reader2 = new LineReader(session);
    try {
      const after = await ehlo(reader2, timeoutMs);
      reader2.write('QUIT');
      return { info: t.info, capabilities: after };
    } catch (err) {
      return { info: t.info, capabilities: caps, failure: notTheProtocol(where, 'SMTP', (err as Error).message) };
    } finally {
      reader2.release();
    }
  } finally {
    closeQuietly(session);
    if (session !== socket) closeQuietly(socket);
  }
}

async function afterTls(where: string, session: net.Socket, info: TlsInfo, timeoutMs: number): Promise<{ info: TlsInfo; capabilities: string[]; failure?: StageFailure }> {
  const reader = new LineReader(session);
  try {
    const bad = await greeting(where, reader, timeoutMs);
    if (bad) return { info, capabilities: [], failure: bad };
    const caps = await ehlo(reader, timeoutMs);
    reader.write('QUIT');
    return { info, capabilities: caps };
  } catch (err) {
    return { info, capabilities: [], failure: notTheProtocol(where, 'SMTP', (err as Error).message) };
  } finally {
    reader.release();
  }
}

interface NodemailerFailure {
  code?: string;
  responseCode?: number;
  response?: string;
  message?: string;
}

async function smtpSignIn(
  where: string,
  user: string,
  smtp: Parameters<typeof transportOptions>[0],
  auth: Parameters<typeof transportOptions>[2],
  timeoutMs: number,
  deps: Parameters<typeof transportOptions>[4],
): Promise<{ failure?: StageFailure }> {
  let options;
  try {
    options = await transportOptions(smtp, user, auth, timeoutMs, deps, where, []);
  } catch (err) {
    if (err instanceof SignInStageError) return { failure: err.failure };
    const e = err instanceof MailChannelError ? err : toSmtpError(err, where);
    if (e.code === 'SMTP_TOKEN' || e.code.startsWith('AUTH_')) return { failure: tokenFailure(`${where}: no access token for XOAUTH2`, e.message, e.retryable) };
    return { failure: { code: e.code, message: e.message, whatToDo: 'set the missing credential (send it again in the channel), or fix connection.smtp' } };
  }
  const transport = nodemailer.createTransport(options);
  try {
    await transport.verify();
    return {};
  } catch (err) {
    const e = err as NodemailerFailure;
    if (e.code === 'EAUTH') return { failure: smtpAuthFailure(where, user, serverWords(e.response ?? e.message ?? ''), e.responseCode) };
    const mapped = toSmtpError(err, where);
    return { failure: { code: mapped.code, message: `${mapped.message}${e.message ? ` (${serverWords(e.message)})` : ''}`, whatToDo: 'the server was reachable a moment ago; retry, and check the server log if it keeps failing' } };
  } finally {
    transport.close();
  }
}
