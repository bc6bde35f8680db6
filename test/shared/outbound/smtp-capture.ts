import { SMTPServer, type SMTPServerAuthentication } from 'smtp-server';
import type { AddressInfo } from 'node:net';

/**
 * An in-process SMTP server (npm `smtp-server`) on a free loopback port that keeps
 * every mail it receives, with how the client logged in and whether TLS was on.
 */

export interface CapturedMail {
  raw: Buffer;
  envelope: { from: string | false; to: string[] };
  secure: boolean;
  user?: string;
}

export interface CapturedAuth {
  method: SMTPServerAuthentication['method'];
  username?: string;
  /** Whether the session was encrypted when the credentials were sent. */
  secure: boolean;
}

export interface SmtpCaptureOptions {
  /** TLS from the first byte (SMTPS). Needs `cert`. */
  implicitTls?: boolean;
  /** Certificate for STARTTLS / implicit TLS; without it STARTTLS is not offered. */
  cert?: { certPem: string; keyPem: string };
  /** Accepted logins; PLAIN/LOGIN by password, XOAUTH2 by `tokens`. */
  passwords?: Record<string, string>;
  tokens?: Record<string, string>;
  /** Recipients refused at RCPT TO with this SMTP code (e.g. 550, 450). */
  refuse?: Record<string, number>;
}

export interface SmtpCapture {
  port: number;
  mails: CapturedMail[];
  auths: CapturedAuth[];
  stop(): Promise<void>;
}

export async function startSmtpCapture(opts: SmtpCaptureOptions = {}): Promise<SmtpCapture> {
  const mails: CapturedMail[] = [];
  const auths: CapturedAuth[] = [];
  const server = new SMTPServer({
    secure: opts.implicitTls ?? false,
    ...(opts.cert ? { key: opts.cert.keyPem, cert: opts.cert.certPem } : { disabledCommands: ['STARTTLS'] }),
    authOptional: true,
    allowInsecureAuth: true,
    authMethods: ['PLAIN', 'LOGIN', 'XOAUTH2'],
    logger: false,
    onAuth(auth, session, cb) {
      auths.push({ method: auth.method, username: auth.username, secure: session.secure });
      const ok =
        auth.method === 'XOAUTH2'
          ? auth.username !== undefined && opts.tokens?.[auth.username] === auth.accessToken
          : auth.username !== undefined && opts.passwords?.[auth.username] === auth.password;
      if (ok) return cb(null, { user: auth.username });
      if (auth.method === 'XOAUTH2') return cb(null, { data: { status: '401', schemes: 'bearer', scope: 'SMTP.Send' } });
      return cb(new Error('Invalid username or password'));
    },
    onRcptTo(address, _session, cb) {
      const code = opts.refuse?.[address.address];
      if (code) return cb(Object.assign(new Error(`${address.address}: refused`), { responseCode: code }));
      cb();
    },
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        mails.push({
          raw: Buffer.concat(chunks),
          envelope: { from: session.envelope.mailFrom ? session.envelope.mailFrom.address : false, to: session.envelope.rcptTo.map((r) => r.address) },
          secure: session.secure,
          user: typeof session.user === 'string' ? session.user : undefined,
        });
        cb();
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  server.on('error', () => undefined);
  const port = (server.server.address() as AddressInfo).port;
  return {
    port,
    mails,
    auths,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
