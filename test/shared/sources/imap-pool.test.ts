import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ImapFlow } from 'imapflow';
import { ChannelRecord, type SecretRef } from '../../../shared/config/channel';
import { PermanentError, TransientError } from '../../../shared/errors';
import type { SourceRef } from '../../../shared/queue/contracts';
import { createImapMailSource, type ImapDeps } from '../../../shared/sources/imap';
import { openImapClient, type ImapConnection } from '../../../shared/sources/imap-connection';
import { ImapPool, keepsConnection, type ImapPoolOptions } from '../../../shared/sources/imap-pool';
import { startDovecot, type Dovecot } from '../../support/dovecot';
import { rejects } from '../../support/rejects';

/**
 * The pool's rules against a real Dovecot that allows 5 connections per user and IP (one
 * more than the pool's default cap of 4, for this test's own APPENDs). Each test has its
 * own mailbox user, so the per-user limit of one test never touches another.
 */
const LIMIT = 5;
const USERS = Array.from({ length: 10 }, (_, i) => ({ user: `pool${i + 1}@example.com`, password: `pool-${i + 1}-secret` }));
let nextUser = 0;
function freshUser(): { user: string; password: string } {
  const u = USERS[nextUser++];
  if (!u) throw new Error('add users to USERS');
  return u;
}

const v1: SecretRef = { ref: 'imap-password', updatedAt: '2026-11-01T00:00:00.000Z' };

function channel(d: Dovecot, user: string, password: SecretRef = v1): ChannelRecord {
  const now = '2026-11-01T00:00:00.000Z';
  return ChannelRecord.parse({
    id: 'ch-pool',
    status: 'published',
    name: 'Pooled desk',
    connection: { protocol: 'imap', host: d.host, port: d.port, tls: 'starttls', username: user, auth: { type: 'password', password } },
    ticketMapping: { templateId: 'it-support' },
    createdAt: now,
    createdBy: 'test',
    updatedAt: now,
    updatedBy: 'test',
  });
}

function depsFor(d: Dovecot, password: string): ImapDeps {
  return { getSecret: async () => password, tlsOptions: { ca: d.caCertPem }, targetPolicy: { allowPrivate: true } };
}

/** A pool whose logins are counted and whose connections the test can reach. */
function countingPool(options: ImapPoolOptions = {}): { pool: ImapPool; clients: ImapFlow[]; peak: () => number } {
  const clients: ImapFlow[] = [];
  let open = 0;
  let peak = 0;
  const pool = new ImapPool(options, async (conn: ImapConnection, deps: ImapDeps) => {
    open++;
    peak = Math.max(peak, open);
    try {
      const c = await openImapClient(conn, deps);
      clients.push(c);
      c.once('close', () => open--);
      return c;
    } catch (err) {
      open--;
      throw err;
    }
  });
  return { pool, clients, peak: () => peak };
}

let seq = 0;
function rawMail(subject: string): Buffer {
  return Buffer.from(
    [`From: customer@example.org`, 'To: desk@example.com', `Subject: ${subject}`, `Message-ID: <${++seq}.${Date.now()}@pool.example.org>`, '', `Body of ${subject}`, ''].join('\r\n'),
  );
}

async function appendMany(d: Dovecot, user: string, n: number): Promise<{ ref: SourceRef; raw: Buffer }[]> {
  const out: { ref: SourceRef; raw: Buffer }[] = [];
  for (let i = 0; i < n; i++) {
    const raw = rawMail(`mail ${i + 1}`);
    const a = await d.append(user, 'INBOX', raw);
    out.push({ ref: { protocol: 'imap', folder: 'INBOX', uidValidity: a.uidValidity, uid: a.uid }, raw });
  }
  return out;
}

describe('IMAP connection pool against a real Dovecot', () => {
  let d: Dovecot;
  before(async () => {
    d = await startDovecot({ users: USERS, maxUserIpConnections: LIMIT });
  });
  after(async () => {
    await d?.stop();
  });

  const logins = (user: string) => d.log().split('\n').filter((l) => l.includes('Login:') && l.includes(`user=<${user}>`)).length;
  const refusals = (user: string) => d.log().split('\n').filter((l) => l.includes('Maximum number of connections') && l.includes(`user=<${user}>`)).length;

  it('24 concurrent fetches in one mailbox, one source per mail, log in at most 4 times and each gets its own mail', async () => {
    const { user, password } = freshUser();
    const mails = await appendMany(d, user, 24);
    const { pool, peak } = countingPool();
    const loginsBefore = logins(user);

    const got = await Promise.all(
      mails.map(async (m) => {
        const source = createImapMailSource(channel(d, user), depsFor(d, password), pool);
        try {
          return await source.fetchRaw(m.ref);
        } finally {
          await source.close(); // gives the connection back; no logout
        }
      }),
    );

    got.forEach((raw, i) => assert.ok(raw.equals(mails[i]!.raw), `mail ${i + 1}`));
    assert.ok(pool.logins <= 4, `${pool.logins} logins`);
    assert.ok(peak() <= 4, `${peak()} connections open at once`);
    assert.equal(logins(user) - loginsBefore, pool.logins, 'Dovecot saw the same logins');
    assert.equal(refusals(user), 0);
    assert.ok(d.connectionCount() >= 1, 'closing the sources kept the connections for the next mail');

    await pool.drain();
    assert.equal(await d.waitForNoConnections(), 0, 'drain logs out every idle connection');
  });

  it('a connection the server dropped is not lent again: the next operation logs in anew', async () => {
    const { user, password } = freshUser();
    const [m] = await appendMany(d, user, 1);
    const { pool } = countingPool();
    const source = createImapMailSource(channel(d, user), depsFor(d, password), pool);
    await source.fetchRaw(m!.ref);
    assert.equal(pool.logins, 1);

    d.kick(user);
    assert.ok((await source.fetchRaw(m!.ref)).equals(m!.raw));
    assert.equal(pool.logins, 2, 'a fresh login replaced the dropped connection');
    await pool.drain();
    assert.equal(await d.waitForNoConnections(), 0, 'drain reached the replacement too');
  });

  it('a session the server broke under its open folder (NO [SERVERBUG] once the index is rebuilt) is replaced, and the listing succeeds', async () => {
    const { user, password } = freshUser();
    await appendMany(d, user, 1);
    const { pool } = countingPool();
    const source = createImapMailSource(channel(d, user), depsFor(d, password), pool);
    const first = await source.listNew('INBOX', undefined, { since: new Date(Date.now() - 60_000) });
    // The pooled session still has INBOX selected while the server renumbers it.
    await d.resetUidValidity(user, 'INBOX');
    await appendMany(d, user, 1);

    const again = await source.listNew('INBOX', first.cursor);
    assert.equal(again.resynced, true);
    assert.equal(again.mails.length, 2);
    assert.equal(pool.logins, 2, 'the broken session was not kept');
    await pool.drain();
  });

  it('a NO answer keeps the connection; a failure without the server\u2019s answer closes it', async () => {
    const { user, password } = freshUser();
    const [m] = await appendMany(d, user, 1);
    const { pool, clients } = countingPool();
    const ch = channel(d, user);
    const source = createImapMailSource(ch, depsFor(d, password), pool);

    await rejects(source.listNew('Missing', undefined), PermanentError, 'IMAP_NO_FOLDER');
    await source.fetchRaw(m!.ref);
    assert.equal(pool.logins, 1, 'the session that got NO is still in a known state and reused');

    // e.g. a socket timeout in the middle of a command: what the server did is unknown.
    const timeout = Object.assign(new Error('Socket timeout'), { code: 'ETIMEOUT' });
    await assert.rejects(pool.withConnection(ch.connection as ImapConnection, depsFor(d, password), async () => { throw timeout; }), /Socket timeout/);
    assert.equal(clients[0]!.usable, false, 'that connection was closed');
    assert.ok((await source.fetchRaw(m!.ref)).equals(m!.raw));
    assert.equal(pool.logins, 2);
    await pool.drain();
  });

  it('a changed password (a new secret version) gets a new login; the old session is logged out, never reused', async () => {
    const { user, password } = freshUser();
    const [m] = await appendMany(d, user, 1);
    const { pool, clients } = countingPool();
    await createImapMailSource(channel(d, user, v1), depsFor(d, password), pool).fetchRaw(m!.ref);
    const v2: SecretRef = { ref: 'imap-password', updatedAt: '2026-11-02T00:00:00.000Z' };
    await createImapMailSource(channel(d, user, v2), depsFor(d, password), pool).fetchRaw(m!.ref);
    await createImapMailSource(channel(d, user, v2), depsFor(d, password), pool).fetchRaw(m!.ref);

    assert.equal(pool.logins, 2, 'one login per secret version');
    assert.equal(clients[0]!.usable, false, 'the session of the old version was logged out');
    assert.equal(clients[1]!.usable, true);
    await pool.drain();
  });

  it('beyond the cap callers wait in a bounded queue; the rest are refused transiently', async () => {
    const { user, password } = freshUser();
    const mails = await appendMany(d, user, 5);
    const { pool } = countingPool({ maxPerMailbox: 1, maxWaiting: 2 });
    const results = await Promise.allSettled(mails.map((m) => createImapMailSource(channel(d, user), depsFor(d, password), pool).fetchRaw(m.ref)));

    assert.equal(results.filter((r) => r.status === 'fulfilled').length, 3, 'one on the connection, two waiting');
    const refused = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as Error] : []));
    assert.equal(refused.length, 2);
    for (const err of refused) {
      assert.ok(err instanceof TransientError, String(err));
      assert.equal(err.code, 'IMAP_POOL_BUSY');
    }
    assert.equal(pool.logins, 1);
    await pool.drain();
  });

  it('idle connections are logged out after the idle time', async () => {
    const { user, password } = freshUser();
    const [m] = await appendMany(d, user, 1);
    const { pool, clients } = countingPool({ idleMs: 50 });
    await createImapMailSource(channel(d, user), depsFor(d, password), pool).fetchRaw(m!.ref);
    assert.equal(await d.waitForNoConnections(), 0);
    assert.equal(clients[0]!.usable, false);
    assert.equal(pool.openConnections, 0);
  });

  it('a login the server refuses for its connection limit is transient (the queue retries), not a rejected password', async () => {
    const { user, password } = freshUser();
    const [m] = await appendMany(d, user, 1);
    // the server's per-user limit filled by sessions of another client (a person's mail app, another instance)
    const conn = channel(d, user).connection;
    assert.equal(conn.protocol, 'imap');
    const held = await Promise.all(Array.from({ length: LIMIT }, () => openImapClient(conn as ImapConnection, depsFor(d, password))));
    try {
      const { pool } = countingPool();
      const err = await createImapMailSource(channel(d, user), depsFor(d, password), pool)
        .fetchRaw(m!.ref)
        .then(
          () => undefined,
          (e: unknown) => e as Error,
        );
      assert.ok(err instanceof TransientError, `${err?.name}: ${err?.message}`);
      assert.ok(await d.waitForLog(new RegExp(`Maximum number of connections.*user=<${user.replace(/[.@]/g, '\\$&')}>`)), 'the server refused the login for its limit');
      await pool.drain();
    } finally {
      await Promise.all(held.map((c) => c.logout().catch(() => undefined)));
    }
  });
});

describe('which failures leave a connection usable', () => {
  it('our own typed errors and a tagged NO/BAD about the request keep it; a NO about the server, timeouts, socket errors and throttling close it', () => {
    assert.equal(keepsConnection(new PermanentError('IMAP_NO_MESSAGE', 'gone')), true);
    assert.equal(keepsConnection(Object.assign(new Error('Command failed'), { responseStatus: 'NO' })), true);
    assert.equal(keepsConnection(Object.assign(new Error('Command failed'), { responseStatus: 'BAD' })), true);
    assert.equal(keepsConnection(Object.assign(new Error('Command failed'), { responseStatus: 'NO', serverResponseCode: 'NONEXISTENT' })), true);
    assert.equal(keepsConnection(Object.assign(new Error('Command failed'), { responseStatus: 'NO', serverResponseCode: 'SERVERBUG' })), false);
    assert.equal(keepsConnection(Object.assign(new Error('Command failed'), { responseStatus: 'NO', serverResponseCode: 'UNAVAILABLE' })), false);
    assert.equal(keepsConnection(Object.assign(new Error('throttled'), { responseStatus: 'BAD', code: 'ETHROTTLE' })), false);
    assert.equal(keepsConnection(Object.assign(new Error('Socket timeout'), { code: 'ETIMEOUT' })), false);
    assert.equal(keepsConnection(Object.assign(new Error('Connection not available'), { code: 'NoConnection', responseStatus: 'BYE' })), false);
    assert.equal(keepsConnection(new Error('parser failed')), false);
    assert.equal(keepsConnection(undefined), false);
  });
});
