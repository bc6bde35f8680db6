import type { AddressInfo } from 'node:net';
import { SMTPServer, type SMTPServerDataStream, type SMTPServerSession } from 'smtp-server';
import { demoRecipient, DEMO_DOMAIN } from './recipient';

/**
 * The demo's SMTP intake: plain SMTP on loopback (no TLS, no AUTH — it never leaves this
 * machine) that hands every accepted mail to `deliver` once per recipient. Recipients
 * outside the demo domain are refused at RCPT with 550, so it is no relay; mail over
 * `maxBytes` is refused with 552 and never buffered beyond the limit.
 */
export interface SmtpIntakeOptions {
  /** Default 2525; 0 = any free port. Always bound to 127.0.0.1. */
  port?: number;
  /** Largest message accepted (default 10 MB, under Graph's 35 MB MIME limit as sent). */
  maxBytes?: number;
  /** Recipients per message (default 50). */
  maxRecipients?: number;
  domain?: string;
  /** Puts the raw bytes into the mailbox's Inbox. */
  deliver(mailbox: string, raw: Buffer): Promise<void>;
  log?(message: string): void;
}

export interface SmtpIntake {
  readonly port: number;
  readonly host: '127.0.0.1';
  /** Messages accepted since start. */
  readonly accepted: number;
  stop(): Promise<void>;
}

export const DEFAULT_SMTP_PORT = 2525;
const DEFAULT_MAX_BYTES = 10 * 1024 * 1024;

function smtpError(responseCode: number, message: string): Error {
  return Object.assign(new Error(message), { responseCode });
}

function isLoopback(address: string): boolean {
  return address === '127.0.0.1' || address === '::1' || address === '::ffff:127.0.0.1';
}

/** Reads the DATA stream, keeping at most `maxBytes` (the rest is drained, not stored). */
function readLimited(stream: SMTPServerDataStream, maxBytes: number): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    stream.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= maxBytes) chunks.push(chunk);
    });
    stream.once('error', reject);
    stream.once('end', () => resolve(size > maxBytes || stream.sizeExceeded ? undefined : Buffer.concat(chunks, size)));
  });
}

export async function startSmtpIntake(opts: SmtpIntakeOptions): Promise<SmtpIntake> {
  const maxBytes = opts.maxBytes ?? DEFAULT_MAX_BYTES;
  const maxRecipients = opts.maxRecipients ?? 50;
  const domain = opts.domain ?? DEMO_DOMAIN;
  let accepted = 0;

  const onData = (stream: SMTPServerDataStream, session: SMTPServerSession, done: (err?: Error | null, message?: string) => void): void => {
    readLimited(stream, maxBytes)
      .then(async (raw) => {
        if (!raw) return done(smtpError(552, `5.3.4 message exceeds the demo intake's limit of ${maxBytes} bytes`));
        // smtp-server keeps one entry per address (case-insensitive) in the envelope.
        const mailboxes = session.envelope.rcptTo.map((r) => r.address.toLowerCase());
        for (const mailbox of mailboxes) await opts.deliver(mailbox, raw);
        accepted++;
        opts.log?.(`demo SMTP: ${raw.length} bytes from <${session.envelope.mailFrom ? session.envelope.mailFrom.address : ''}> to ${mailboxes.join(', ')}`);
        done(null, `2.0.0 delivered to ${mailboxes.length} demo mailbox(es)`);
      })
      .catch((err: unknown) => done(smtpError(451, `4.3.0 could not deliver: ${err instanceof Error ? err.message : String(err)}`)));
  };

  const server = new SMTPServer({
    name: `smtp.${domain}`,
    banner: `demo mail intake (delivers only to @${domain})`,
    size: maxBytes,
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    logger: false,
    maxClients: 20,
    maxRecipients,
    socketTimeout: 60_000,
    onConnect(session, cb) {
      // Bound to loopback already; this is the second lock should the bind ever change.
      if (!isLoopback(session.remoteAddress)) return cb(smtpError(554, '5.7.1 the demo intake only takes mail from this machine'));
      cb();
    },
    onRcptTo(address, _session, cb) {
      const verdict = demoRecipient(address.address, domain);
      if (!verdict.accept) return cb(smtpError(verdict.responseCode, verdict.message));
      cb();
    },
    onData,
  });

  await new Promise<void>((resolve, reject) => {
    server.server.once('error', reject);
    server.listen(opts.port ?? DEFAULT_SMTP_PORT, '127.0.0.1', () => resolve());
  });
  const port = (server.server.address() as AddressInfo).port;
  return {
    port,
    host: '127.0.0.1',
    get accepted() {
      return accepted;
    },
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
