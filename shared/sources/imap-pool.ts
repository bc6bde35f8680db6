import { createHash } from 'node:crypto';
import type { ImapFlow } from 'imapflow';
import { z } from 'zod';
import { settings } from '../config/settings';
import { MailChannelError, TransientError } from '../errors';
import { describeServer, openImapClient, type ImapConnection, type ImapDeps } from './imap-connection';

/**
 * Shared IMAP connections, a few per mailbox, within one process.
 *
 * Mail servers cap the connections of one user (Dovecot `mail_max_userip_connections`,
 * default 10; Exchange Online 20 per mailbox). A worker runs 16–24 mails at once, so one
 * login per mail gets logins refused. Here every operation borrows a logged-in connection
 * for just its own IMAP conversation (one operation at a time per connection) and gives it
 * back; beyond the cap callers wait in a bounded queue.
 *
 * - A connection is reused only for the exact same identity (server, TLS mode, user,
 *   auth settings and the version of every secret): a changed password never reuses a
 *   session logged in with the old one, and sessions of an older identity are logged out
 *   when the mailbox is next asked for.
 * - An operation that fails in a way that leaves the session in an unknown state (no
 *   tagged answer: socket error, timeout, parser error) or suspect (a NO about the server,
 *   e.g. [SERVERBUG]) closes it; a NO/BAD about the request keeps it. A reused session
 *   found dropped or broken is replaced and the operation runs once more.
 * - Idle connections are logged out after `idleMs`, and never kept past `maxLifetimeMs`
 *   (an OAuth session ends when its token does). Idle sockets do not keep a process alive.
 */

export const ImapPoolOptions = z.object({
  /** Connections per mailbox (server + user) at most; well under the servers' per-user limits. */
  maxPerMailbox: z.number().int().min(1).max(50).default(4),
  /** An idle connection is logged out after this long (capped at half the channel's socket timeout). */
  idleMs: z.number().int().min(0).default(20_000),
  /** Callers that may wait for a connection of one mailbox; more are refused (transiently). */
  maxWaiting: z.number().int().min(0).default(200),
  /** A connection is not reused after this long. */
  maxLifetimeMs: z.number().int().min(1).default(15 * 60_000),
});
export type ImapPoolOptions = z.input<typeof ImapPoolOptions>;

/** Opens one logged-in connection (the seam tests count logins through). */
export type ImapConnect = (conn: ImapConnection, deps: ImapDeps) => Promise<ImapFlow>;

/** Which connections may serve a channel: everything that decides who logs in where. Hashed, it holds no secret value anyway. */
export function connectionIdentity(conn: ImapConnection): string {
  const { host, port, tls, username, auth, settings } = conn;
  return createHash('sha256').update(JSON.stringify({ host: host.toLowerCase(), port, tls, username, auth, timeoutMs: settings.timeoutMs })).digest('hex');
}

/** What the server's per-user connection limit counts: one user on one server. */
export function mailboxKey(conn: ImapConnection): string {
  return `${conn.host.toLowerCase()}\n${conn.username}`;
}

/**
 * Whether a connection is still in a known state after an operation failed on it: our own
 * typed errors (raised after complete commands) and a server's tagged NO/BAD about the
 * request leave it usable.
 */
export function keepsConnection(err: unknown): boolean {
  if (err instanceof MailChannelError) return true;
  const e = err as { responseStatus?: unknown; code?: unknown; serverResponseCode?: unknown } | null;
  if (!(e?.responseStatus === 'NO' || e?.responseStatus === 'BAD') || e.code === 'ETHROTTLE') return false;
  // A NO about the server itself rather than the request: e.g. Dovecot answers SELECT with
  // [SERVERBUG] for good once a folder's index was replaced under an open session.
  return !suspectSession(err);
}

function suspectSession(err: unknown): boolean {
  const code = (err as { serverResponseCode?: unknown } | null)?.serverResponseCode;
  return typeof code === 'string' && SESSION_SUSPECT_CODES.has(code.toUpperCase());
}

/** Response codes (RFC 5530) after which the session itself is suspect. */
const SESSION_SUSPECT_CODES = new Set(['SERVERBUG', 'UNAVAILABLE', 'CORRUPTION', 'CONTACTADMIN']);

/** imapflow codes for a session that is gone (as opposed to a command the server refused). */
const CONNECTION_LOST = new Set(['NoConnection', 'EConnectionClosed', 'EPIPE', 'ECONNRESET']);

function connectionLost(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && CONNECTION_LOST.has(code);
}

interface Pooled {
  client: ImapFlow;
  identity: string;
  openedAt: number;
  /** Idle time before logout: the pool's, at most half the channel's socket timeout (imapflow closes a silent socket then). */
  idleMs: number;
  /** Connections from before a `drain()` are not lent again. */
  generation: number;
  idleTimer?: NodeJS.Timeout;
}

/** A waiter is handed either a connection of its identity or a free slot to open one in. */
type Handoff = { pooled: Pooled } | { slot: true };

interface Waiter {
  identity: string;
  give(h: Handoff): void;
}

/** The connections of one mailbox. Every one counts against the cap until the server has seen it go. */
class Mailbox {
  readonly idle: Pooled[] = [];
  readonly busy = new Set<Pooled>();
  opening = 0;
  closing = 0;
  readonly waiters: Waiter[] = [];

  constructor(readonly key: string) {}

  get size(): number {
    return this.idle.length + this.busy.size + this.opening + this.closing;
  }
}

export class ImapPool {
  private readonly options: z.output<typeof ImapPoolOptions>;
  private readonly mailboxes = new Map<string, Mailbox>();
  private generation = 0;
  private loginCount = 0;

  constructor(
    options: ImapPoolOptions = {},
    private readonly connect: ImapConnect = openImapClient,
  ) {
    this.options = ImapPoolOptions.parse(options);
  }

  /** Logins made so far. */
  get logins(): number {
    return this.loginCount;
  }

  /** Connections open right now (idle, lent, being opened or logged out). */
  get openConnections(): number {
    let n = 0;
    for (const m of this.mailboxes.values()) n += m.size;
    return n;
  }

  /**
   * Runs `fn` on a connection of `conn`'s identity, held by nobody else meanwhile. A reused
   * session the server dropped or broke while it sat idle (autologout, restart, an index
   * rebuilt under it) is noticed only when used: then `fn` runs once more, on a fresh login. The source's operations are safe to
   * repeat (the queue repeats them too).
   */
  async withConnection<T>(conn: ImapConnection, deps: ImapDeps, fn: (client: ImapFlow) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      // Looked up per attempt: a mailbox left with no connection is dropped from the map.
      const m = this.mailbox(mailboxKey(conn));
      const { pooled, reused } = await this.acquire(m, conn, deps);
      let keep = true;
      try {
        return await fn(pooled.client);
      } catch (err) {
        keep = keepsConnection(err);
        const broken = connectionLost(err) || !pooled.client.usable || suspectSession(err);
        if (!(reused && attempt === 1 && broken)) throw err;
      } finally {
        this.release(m, pooled, keep);
      }
    }
  }

  /**
   * Logs out every idle connection now; connections in use are logged out when their
   * operation ends. The pool stays usable (later operations log in anew). For shutdown.
   */
  async drain(): Promise<void> {
    this.generation++;
    await Promise.all([...this.mailboxes.values()].flatMap((m) => m.idle.splice(0).map((p) => this.logout(m, p))));
  }

  // ---------- lending ----------

  private async acquire(m: Mailbox, conn: ImapConnection, deps: ImapDeps): Promise<{ pooled: Pooled; reused: boolean }> {
    const identity = connectionIdentity(conn);
    // Sessions of another identity are stale (e.g. logged in with the previous password).
    for (const p of m.idle.filter((x) => x.identity !== identity)) this.retire(m, p);

    const reusable = this.takeIdle(m, identity);
    if (reusable) return { pooled: this.lend(m, reusable), reused: true };
    if (m.size < this.options.maxPerMailbox) {
      m.opening++;
      return { pooled: await this.open(m, conn, deps, identity), reused: false };
    }
    if (m.waiters.length >= this.options.maxWaiting) {
      throw new TransientError('IMAP_POOL_BUSY', `${describeServer(conn)}: ${m.waiters.length} operations already wait for one of the ${this.options.maxPerMailbox} connections to this mailbox`);
    }
    const handoff = await this.wait(m, identity, conn);
    if ('pooled' in handoff) return { pooled: handoff.pooled, reused: true }; // lent by release()
    return { pooled: await this.open(m, conn, deps, identity), reused: false }; // the slot is already counted in `opening`
  }

  private wait(m: Mailbox, identity: string, conn: ImapConnection): Promise<Handoff> {
    return new Promise<Handoff>((resolve, reject) => {
      const timeoutMs = conn.settings.timeoutMs;
      const timer = setTimeout(() => {
        const i = m.waiters.indexOf(waiter);
        if (i >= 0) m.waiters.splice(i, 1);
        this.forget(m);
        reject(new TransientError('IMAP_POOL_BUSY', `${describeServer(conn)}: no connection to this mailbox became free within ${timeoutMs} ms`));
      }, timeoutMs);
      const waiter: Waiter = {
        identity,
        give: (h) => {
          clearTimeout(timer);
          resolve(h);
        },
      };
      m.waiters.push(waiter);
    });
  }

  /** Opens a connection in a slot already counted in `m.opening`. */
  private async open(m: Mailbox, conn: ImapConnection, deps: ImapDeps, identity: string): Promise<Pooled> {
    let client: ImapFlow;
    try {
      client = await this.connect(conn, deps);
    } catch (err) {
      m.opening--;
      this.dispatch(m);
      throw err;
    }
    m.opening--;
    this.loginCount++;
    const pooled: Pooled = { client, identity, openedAt: Date.now(), idleMs: Math.min(this.options.idleMs, Math.floor(conn.settings.timeoutMs / 2)), generation: this.generation };
    client.once('close', () => this.closed(m, pooled));
    return this.lend(m, pooled);
  }

  private lend(m: Mailbox, p: Pooled): Pooled {
    clearTimeout(p.idleTimer);
    p.idleTimer = undefined;
    m.busy.add(p);
    setSocketRef(p.client, true);
    return p;
  }

  private takeIdle(m: Mailbox, identity: string): Pooled | undefined {
    // Most recently used first: the others stay idle long enough to be logged out.
    for (let i = m.idle.length - 1; i >= 0; i--) {
      const p = m.idle[i]!;
      if (p.identity !== identity) continue;
      m.idle.splice(i, 1);
      if (this.reusable(p)) return p;
      void this.logout(m, p);
    }
    return undefined;
  }

  private reusable(p: Pooled): boolean {
    return p.client.usable && p.generation === this.generation && Date.now() - p.openedAt < this.options.maxLifetimeMs;
  }

  // ---------- giving back ----------

  private release(m: Mailbox, p: Pooled, keep: boolean): void {
    m.busy.delete(p);
    if (!keep) {
      // Unknown or suspect state (no tagged answer, or a NO about the server): never lend it again.
      p.client.close();
      this.dispatch(m);
      return;
    }
    if (!this.reusable(p)) {
      void this.logout(m, p);
      return;
    }
    const same = m.waiters.findIndex((w) => w.identity === p.identity);
    if (same >= 0) {
      const [w] = m.waiters.splice(same, 1);
      w!.give({ pooled: this.lend(m, p) });
      return;
    }
    if (m.waiters.length > 0) {
      // Only callers of another identity wait: the slot is theirs.
      void this.logout(m, p);
      return;
    }
    this.park(m, p);
  }

  private park(m: Mailbox, p: Pooled): void {
    m.idle.push(p);
    setSocketRef(p.client, false);
    p.idleTimer = setTimeout(() => this.retire(m, p), p.idleMs);
    p.idleTimer.unref();
  }

  /** Hands free slots to waiters, oldest first. */
  private dispatch(m: Mailbox): void {
    while (m.waiters.length > 0 && m.size < this.options.maxPerMailbox) {
      const w = m.waiters.shift()!;
      m.opening++;
      w.give({ slot: true });
    }
    this.forget(m);
  }

  /** Closed by the server, by a socket error or by us: an idle one leaves the pool. */
  private closed(m: Mailbox, p: Pooled): void {
    clearTimeout(p.idleTimer);
    const i = m.idle.indexOf(p);
    if (i < 0) return;
    m.idle.splice(i, 1);
    this.dispatch(m);
  }

  private retire(m: Mailbox, p: Pooled): void {
    const i = m.idle.indexOf(p);
    if (i < 0) return;
    m.idle.splice(i, 1);
    void this.logout(m, p);
  }

  /** LOGOUT, counted against the cap until the server has answered (it counts the session till then). */
  private async logout(m: Mailbox, p: Pooled): Promise<void> {
    clearTimeout(p.idleTimer);
    const c = p.client;
    m.closing++;
    try {
      if (c.usable) await c.logout().catch(() => c.close());
      else c.close();
    } finally {
      m.closing--;
      this.dispatch(m);
    }
  }

  private mailbox(key: string): Mailbox {
    let m = this.mailboxes.get(key);
    if (!m) this.mailboxes.set(key, (m = new Mailbox(key)));
    return m;
  }

  private forget(m: Mailbox): void {
    if (m.size === 0 && m.waiters.length === 0 && this.mailboxes.get(m.key) === m) this.mailboxes.delete(m.key);
  }
}

/** An idle pooled socket must not keep a process (a CLI, a test) alive; a lent one must. */
function setSocketRef(client: ImapFlow, ref: boolean): void {
  const socket = (client as unknown as { socket?: { ref?(): void; unref?(): void } | false }).socket;
  if (!socket) return;
  if (ref) socket.ref?.();
  else socket.unref?.();
}

let processPool: ImapPool | undefined;

/** The pool every IMAP source of this process shares (sized by the app settings). */
export function processImapPool(): ImapPool {
  if (!processPool) {
    const s = settings();
    processPool = new ImapPool({ maxPerMailbox: s.IMAP_MAX_CONNECTIONS_PER_MAILBOX, idleMs: s.IMAP_IDLE_SECONDS * 1000 });
  }
  return processPool;
}

/** Logs out the process pool's connections (host shutdown). */
export async function drainProcessImapPool(): Promise<void> {
  await processPool?.drain();
}
