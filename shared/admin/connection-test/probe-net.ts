import dns from 'node:dns';
import net from 'node:net';
import tls from 'node:tls';
import { addressVerdict, type TargetPolicy } from '../../net/address-policy';
import type { ResolveAll } from '../../net/connect-target';
import { dnsFailure, targetRefused, tcpFailure, tlsFailure } from './advice';
import type { Certificate, StageFailure, StageDetails } from './result';

/**
 * The network half of a connection test: resolve and check a host (the address policy of
 * shared/net/ decides before any socket opens), open a TCP connection, negotiate TLS and
 * read the certificate, and speak just enough IMAP/SMTP to reach STARTTLS. Sockets are
 * closed before anything else happens: no credential is ever sent on a probe connection.
 */

/** A step's timeout in a test: the channel's own, but never so long that the admin's request gives up first. */
export const MAX_STEP_MS = 20_000;

export type TargetRoleName = 'imap' | 'smtp' | 'graph' | 'token';

/** Opens a TCP socket (tests count connections through it). */
export type OpenSocket = (options: net.NetConnectOpts) => net.Socket;

export interface NetProbeDeps {
  policy: TargetPolicy;
  resolve?: ResolveAll;
  openSocket?: OpenSocket;
  /** Extra trusted CAs, as the channel's own clients get them (tests; a private CA). */
  ca?: tls.ConnectionOptions['ca'];
  timeoutMs: number;
}

const systemResolve: ResolveAll = (host) => dns.promises.lookup(host, { all: true, verbatim: true });

export type DnsProbe =
  | { ok: true; address: string; servername?: string; addresses: { address: string; family: number }[]; detail: DnsDetail }
  | { ok: false; failure: StageFailure; detail: DnsDetail };

type DnsDetail = NonNullable<StageDetails['targets']>[number];

/** Resolves `host` and checks every address against the policy (all must pass, as connect-target.ts decides). */
export async function probeDns(role: TargetRoleName, host: string, deps: NetProbeDeps): Promise<DnsProbe> {
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  let addresses: { address: string; family: number }[];
  if (net.isIP(bare)) {
    addresses = [{ address: bare, family: net.isIP(bare) }];
  } else {
    try {
      addresses = await (deps.resolve ?? systemResolve)(bare);
    } catch (err) {
      const detail = { role, host, addresses: [] };
      return { ok: false, failure: dnsFailure(host, (err as NodeJS.ErrnoException).code), detail };
    }
  }
  const checks = addresses.map((a) => {
    const v = addressVerdict(a.address, deps.policy);
    return { address: a.address, class: v.class, allowed: v.allowed, ...(v.allowed ? {} : { reason: v.reason }) };
  });
  const detail = { role, host, addresses: checks };
  if (addresses.length === 0) return { ok: false, failure: dnsFailure(host, 'ENODATA'), detail };
  const refused = checks.find((c) => !c.allowed);
  if (refused) return { ok: false, failure: targetRefused(host, refused.reason ?? 'not allowed'), detail };
  return { ok: true, address: addresses[0]!.address, ...(net.isIP(bare) ? {} : { servername: bare.replace(/\.$/, '') }), addresses, detail };
}

/** A fixed resolver answering with what the DNS stage found: later connections go to the checked addresses. */
export function resolvedAs(addresses: { address: string; family: number }[]): ResolveAll {
  return async () => addresses;
}

export type TcpProbe = { ok: true; socket: net.Socket } | { ok: false; failure: StageFailure };

export function probeTcp(where: string, address: string, port: number, deps: NetProbeDeps): Promise<TcpProbe> {
  return new Promise((resolve) => {
    const socket = (deps.openSocket ?? net.connect)({ host: address, port });
    const timer = setTimeout(() => done({ ok: false, failure: tcpFailure(where, port, 'TIMEOUT') }), deps.timeoutMs);
    function done(r: TcpProbe): void {
      clearTimeout(timer);
      socket.off('connect', onConnect);
      socket.off('error', onError);
      if (!r.ok) socket.destroy();
      else socket.on('error', () => undefined);
      resolve(r);
    }
    const onConnect = () => done({ ok: true, socket });
    const onError = (err: NodeJS.ErrnoException) => done({ ok: false, failure: tcpFailure(where, port, err.code) });
    socket.once('connect', onConnect);
    socket.once('error', onError);
  });
}

export interface TlsInfo {
  protocol?: string;
  certificate?: Certificate;
  trusted: boolean;
  trustProblem?: string;
}

export type TlsProbe = { ok: true; socket: tls.TLSSocket; info: TlsInfo } | { ok: false; failure: StageFailure; info: TlsInfo };

function name(fields: Record<string, string | string[] | undefined> | undefined): string {
  if (!fields) return '';
  return Object.entries(fields)
    .map(([k, v]) => `${k}=${Array.isArray(v) ? v.join('+') : (v ?? '')}`)
    .join(', ');
}

export function certificateOf(cert: tls.PeerCertificate): Certificate {
  return {
    subject: name(cert.subject as unknown as Record<string, string>),
    issuer: name(cert.issuer as unknown as Record<string, string>),
    validFrom: cert.valid_from,
    validTo: cert.valid_to,
    subjectAltNames: (cert.subjectaltname ?? '').split(',').map((s) => s.trim()).filter(Boolean),
    fingerprint256: cert.fingerprint256,
  };
}

/**
 * One secure context per set of extra CAs: building one parses every certificate given (the
 * system roots plus a stand-in's CA are ~150), which costs more than the handshake itself.
 */
const secureContexts = new Map<string, tls.SecureContext>();
function secureContextFor(ca: NonNullable<tls.ConnectionOptions['ca']>): tls.SecureContext {
  const key = JSON.stringify(Array.isArray(ca) ? ca.map(String) : String(ca));
  let ctx = secureContexts.get(key);
  if (!ctx) {
    if (secureContexts.size >= 16) secureContexts.clear();
    ctx = tls.createSecureContext({ ca, minVersion: 'TLSv1.2' });
    secureContexts.set(key, ctx);
  }
  return ctx;
}

/**
 * Negotiates TLS over `socket` (or a new connection) and judges the certificate as the
 * channel's clients do (chain against the trusted roots plus `ca`, then the host name).
 * The handshake itself does not reject, so the certificate can be shown even when it is
 * not trusted; an untrusted connection is closed at once, before a byte of application data.
 */
export function probeTls(where: string, socket: net.Socket, host: string, servername: string | undefined, deps: NetProbeDeps): Promise<TlsProbe> {
  return new Promise((resolve) => {
    const secure = tls.connect({
      socket,
      ...(servername ? { servername } : {}),
      ...(deps.ca ? { secureContext: secureContextFor(deps.ca) } : {}),
      // Judged below, exactly as Node would (chain, then name), and closed when it fails.
      rejectUnauthorized: false,
      minVersion: 'TLSv1.2',
    });
    const timer = setTimeout(() => fail('TIMEOUT'), deps.timeoutMs);
    let settled = false;
    function finish(r: TlsProbe): void {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      secure.off('error', onError);
      secure.on('error', () => undefined);
      if (!r.ok) secure.destroy();
      resolve(r);
    }
    function fail(code: string | undefined, info: TlsInfo = { trusted: false }): void {
      finish({ ok: false, info, failure: tlsFailure(where, code, { host, ...(info.certificate ? { issuer: info.certificate.issuer, validTo: info.certificate.validTo, names: info.certificate.subjectAltNames } : {}) }) });
    }
    const onError = (err: NodeJS.ErrnoException) => fail(err.code ?? err.message);
    secure.once('error', onError);
    secure.once('secureConnect', () => {
      const peer = secure.getPeerCertificate();
      const certificate = peer && Object.keys(peer).length > 0 ? certificateOf(peer) : undefined;
      const protocol = secure.getProtocol() ?? undefined;
      const chainProblem = secure.authorized ? undefined : (secure.authorizationError as unknown as Error | string | undefined);
      const chainCode = chainProblem === undefined ? undefined : typeof chainProblem === 'string' ? chainProblem : ((chainProblem as NodeJS.ErrnoException).code ?? chainProblem.message);
      const nameError = !chainCode && peer ? tls.checkServerIdentity(servername ?? host, peer) : undefined;
      const problem = chainCode ?? (nameError ? ((nameError as NodeJS.ErrnoException).code ?? 'ERR_TLS_CERT_ALTNAME_INVALID') : undefined);
      const info: TlsInfo = { ...(protocol ? { protocol } : {}), ...(certificate ? { certificate } : {}), trusted: !problem, ...(problem ? { trustProblem: problem } : {}) };
      if (problem) fail(problem, info);
      else finish({ ok: true, socket: secure, info });
    });
  });
}

/**
 * Lines from a plain or TLS socket, for the few protocol steps before STARTTLS. Line length
 * and the lines queued unread are capped (a hostile server cannot grow memory), each byte is
 * scanned once, and the reader lets go of the socket before TLS takes it over.
 */
export class LineReader {
  private buffer = '';
  private lines: string[] = [];
  private waiting?: { resolve: (line: string) => void; reject: (err: Error) => void };
  private ended?: Error;
  private readonly onData = (d: Buffer) => this.push(d.toString('latin1'));
  private readonly onEnd = () => this.end(new Error('the server closed the connection'));

  constructor(
    private readonly socket: net.Socket,
    private readonly maxLine = 8192,
    private readonly maxQueued = 1000,
  ) {
    socket.on('data', this.onData);
    socket.on('end', this.onEnd);
    socket.on('close', this.onEnd);
  }

  private push(text: string): void {
    if (this.ended) return;
    this.buffer += text;
    // One pass with a moving start: slicing the rest off after each line would copy it once per line.
    let start = 0;
    let nl = this.buffer.indexOf('\n', start);
    while (nl >= 0) {
      if (this.lines.length >= this.maxQueued || nl - start > this.maxLine) {
        this.buffer = '';
        this.end(new Error(this.lines.length >= this.maxQueued ? `the server sent more than ${this.maxQueued} lines unasked` : `the server sent a line longer than ${this.maxLine} bytes`));
        return;
      }
      const line = this.buffer.slice(start, nl);
      this.lines.push(line.endsWith('\r') ? line.slice(0, -1) : line);
      start = nl + 1;
      nl = this.buffer.indexOf('\n', start);
    }
    this.buffer = this.buffer.slice(start);
    if (this.buffer.length > this.maxLine) {
      this.buffer = '';
      this.end(new Error(`the server sent a line longer than ${this.maxLine} bytes`));
      return;
    }
    this.deliver();
  }

  private end(err: Error): void {
    this.ended ??= err;
    this.deliver();
  }

  private deliver(): void {
    if (!this.waiting) return;
    const line = this.lines.shift();
    if (line !== undefined) {
      const w = this.waiting;
      this.waiting = undefined;
      w.resolve(line);
    } else if (this.ended) {
      const w = this.waiting;
      this.waiting = undefined;
      w.reject(this.ended);
    }
  }

  next(timeoutMs: number): Promise<string> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting = undefined;
        reject(Object.assign(new Error(`no answer within ${timeoutMs} ms`), { code: 'TIMEOUT' }));
      }, timeoutMs);
      this.waiting = {
        resolve: (l) => {
          clearTimeout(timer);
          resolve(l);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      };
      this.deliver();
    });
  }

  write(line: string): void {
    this.socket.write(`${line}\r\n`);
  }

  /** Stops reading; the socket is handed on (to TLS) or closed by the caller. */
  release(): void {
    this.socket.off('data', this.onData);
    this.socket.off('end', this.onEnd);
    this.socket.off('close', this.onEnd);
  }
}

/** Quiet close of a probe socket. */
export function closeQuietly(socket: net.Socket | undefined): void {
  if (!socket) return;
  socket.on('error', () => undefined);
  socket.destroy();
}

/** A server line for a message: printable, bounded. */
export function serverWords(line: string, max = 300): string {
  let out = '';
  for (const ch of line.slice(0, max)) out += ch >= ' ' && ch !== '\u007f' ? ch : ' ';
  return out.trim() + (line.length > max ? '…' : '');
}
