import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { ChannelRecord, type SecretRef } from '../../../shared/config/channel';
import { PermanentError, TransientError } from '../../../shared/errors';
import type { SourceRef } from '../../../shared/queue/contracts';
import { createImapMailSource, type ImapDeps, type OAuthAuth } from '../../../shared/sources/imap';
import type { MailSource } from '../../../shared/sources/mail-source';
import { freePort } from '../../../devhost/ports';
import { startDovecot, type Dovecot } from '../../support/dovecot';
import { corpusDir } from '../../corpus/zammad-expectations';
import { rejects } from '../../support/rejects';

/** Real Dovecot (Debian dovecot-imapd) on loopback; each test has its own mailbox user. */

const USERS = Array.from({ length: 30 }, (_, i) => ({ user: `desk${i + 1}@example.com`, password: `pw-${i + 1}-secret` }));
let nextUser = 0;
function freshUser(): { user: string; password: string } {
  const u = USERS[nextUser++];
  if (!u) throw new Error('add users to USERS');
  return u;
}

const PASSWORD_REF: SecretRef = { ref: 'imap-password', updatedAt: '2026-11-01T00:00:00.000Z' };

function channel(d: Dovecot, user: string, over: { tls?: 'implicit' | 'starttls' | 'none'; port?: number; auth?: unknown; timeoutMs?: number; allowPlaintext?: boolean } = {}): ChannelRecord {
  const tls = over.tls ?? 'none';
  const now = '2026-11-01T00:00:00.000Z';
  return ChannelRecord.parse({
    id: 'ch-imap',
    status: 'published',
    name: 'Service desk',
    connection: {
      protocol: 'imap',
      host: d.host,
      port: over.port ?? (tls === 'implicit' ? d.tlsPort : d.port),
      tls,
      allowPlaintext: over.allowPlaintext ?? tls === 'none',
      username: user,
      auth: over.auth ?? { type: 'password', password: PASSWORD_REF },
      settings: over.timeoutMs ? { timeoutMs: over.timeoutMs } : {},
    },
    ticketMapping: { templateId: 'it-support' },
    createdAt: now,
    createdBy: 'test',
    updatedAt: now,
    updatedBy: 'test',
  });
}

/** Dovecot listens on 127.0.0.1: as the local stack (MAIL_ALLOW_PRIVATE_HOSTS=true) allows. */
const LOOPBACK_ALLOWED = { allowPrivate: true };

function passwordDeps(d: Dovecot, password: string | undefined): ImapDeps {
  return {
    getSecret: async (ref) => (ref.ref === PASSWORD_REF.ref ? password : undefined),
    tlsOptions: { ca: d.caCertPem },
    targetPolicy: LOOPBACK_ALLOWED,
  };
}

/** A source for a fresh user, closed by the test. */
function sourceFor(d: Dovecot, over: Parameters<typeof channel>[2] = {}): { user: string; source: MailSource } {
  const { user, password } = freshUser();
  return { user, source: createImapMailSource(channel(d, user, over), passwordDeps(d, password)) };
}

let seq = 0;
function mail(subject: string, extra = ''): { raw: Buffer; messageId: string } {
  const messageId = `<${++seq}.${Date.now()}@client.example.org>`;
  const raw = Buffer.from(
    [
      'From: Customer <customer@example.org>',
      'To: desk@example.com',
      `Subject: ${subject}`,
      `Message-ID: ${messageId}`,
      'Date: Tue, 24 Nov 2026 10:00:00 +0000',
      'MIME-Version: 1.0',
      'Content-Type: text/plain; charset=utf-8',
      '',
      `Hello, ${subject}.${extra}`,
      '',
    ].join('\r\n'),
  );
  return { raw, messageId };
}

function loginLines(d: Dovecot, user: string): string[] {
  return d.log().split('\n').filter((l) => l.includes('Login:') && l.includes(`user=<${user}>`));
}

describe('IMAP mail source against a real Dovecot', () => {
  let d: Dovecot;
  before(async () => {
    d = await startDovecot({ users: USERS });
  });
  after(async () => {
    await d?.stop();
  });

  describe('connecting', () => {
    it('logs in with the stored password over implicit TLS, trusting the given CA', async () => {
      const { user, source } = sourceFor(d, { tls: 'implicit' });
      try {
        const res = await source.listNew('INBOX', undefined);
        assert.deepEqual(res.mails, []);
        assert.match(loginLines(d, user).join('\n'), /method=PLAIN.*TLS/);
      } finally {
        await source.close();
      }
    });

    it('with STARTTLS the connection is upgraded before the password is sent', async () => {
      const { user, source } = sourceFor(d, { tls: 'starttls' });
      try {
        await source.listNew('INBOX', undefined);
        const lines = loginLines(d, user);
        assert.equal(lines.length, 1);
        assert.match(lines[0]!, /TLS/, 'Dovecot logged the login as made over TLS');
      } finally {
        await source.close();
      }
    });

    it('a server certificate the deployment does not trust is refused (verification stays on), as "could not connect"', async () => {
      const { user, password } = freshUser();
      const source = createImapMailSource(channel(d, user, { tls: 'implicit' }), { getSecret: async () => password, targetPolicy: LOOPBACK_ALLOWED });
      try {
        await rejects(source.listNew('INBOX', undefined), TransientError, 'IMAP_CONNECT');
        assert.equal(loginLines(d, user).length, 0, 'no login happened');
      } finally {
        await source.close();
      }
    });

    it('a stored channel with tls "none" but no allowPlaintext never connects: the password is not sent in clear text', async () => {
      const { user, password } = freshUser();
      const source = createImapMailSource(channel(d, user, { allowPlaintext: false }), passwordDeps(d, password));
      await rejects(source.listNew('INBOX', undefined), PermanentError, 'IMAP_PLAINTEXT_REFUSED');
      assert.equal(loginLines(d, user).length, 0, 'no login happened');
      await source.close();
    });

    it('a loopback server is refused unless the deployment allows private hosts, before any connection', async () => {
      const { user, password } = freshUser();
      const source = createImapMailSource(channel(d, user), { ...passwordDeps(d, password), targetPolicy: { allowPrivate: false } });
      await rejects(source.listNew('INBOX', undefined), PermanentError, 'CONNECT_TARGET_REFUSED');
      assert.equal(loginLines(d, user).length, 0, 'no login happened');
      await source.close();
    });

    it('a wrong password is a permanent IMAP_AUTH error, not retried', async () => {
      const { user } = freshUser();
      const source = createImapMailSource(channel(d, user), passwordDeps(d, 'not-the-password'));
      const err = await rejects(source.listNew('INBOX', undefined), PermanentError, 'IMAP_AUTH');
      assert.doesNotMatch(err.message, /not-the-password/, 'the secret never appears in the error');
      await source.close();
    });

    it('a password missing from the secret store is a permanent IMAP_AUTH error', async () => {
      const { user } = freshUser();
      const source = createImapMailSource(channel(d, user), passwordDeps(d, undefined));
      await rejects(source.listNew('INBOX', undefined), PermanentError, 'IMAP_AUTH');
      await source.close();
    });

    it('an OAuth channel logs in with XOAUTH2 using the token from the token provider', async () => {
      const { user } = freshUser();
      const auth = { type: 'oauth', flow: 'clientCredentials', tenantId: 'contoso.onmicrosoft.com', clientId: 'app-1', scopes: [] };
      const calls: { auth: OAuthAuth; scope: string }[] = [];
      let token = d.issueAccessToken(user);
      const deps: ImapDeps = {
        getSecret: async () => undefined,
        getAccessToken: async (a, scope) => {
          calls.push({ auth: a, scope });
          return token;
        },
        tlsOptions: { ca: d.caCertPem },
        targetPolicy: LOOPBACK_ALLOWED,
      };
      const source = createImapMailSource(channel(d, user, { tls: 'implicit', auth }), deps);
      try {
        await source.listNew('INBOX', undefined);
        assert.equal(calls.length, 1);
        assert.equal(calls[0]!.scope, 'https://outlook.office365.com/.default');
        assert.equal(calls[0]!.auth.clientId, 'app-1');
        assert.match(loginLines(d, user).join('\n'), /method=XOAUTH2/);
      } finally {
        await source.close();
      }

      d.revokeAccessToken(token);
      token = 'expired-or-forged';
      const again = createImapMailSource(channel(d, user, { tls: 'implicit', auth }), deps);
      await rejects(again.listNew('INBOX', undefined), PermanentError, 'IMAP_AUTH');
      await again.close();
    });

    it('a server that refuses connections is a transient "could not connect" (the queue retries)', async () => {
      const { user, password } = freshUser();
      const port = await freePort();
      const source = createImapMailSource(channel(d, user, { port }), passwordDeps(d, password));
      await rejects(source.listNew('INBOX', undefined), TransientError, 'IMAP_CONNECT');
      await source.close();
    });

    it('a server that accepts but never greets times out after the channel timeout: the same transient "could not connect" as a refusal', async () => {
      const sockets = new Set<net.Socket>();
      const silent = net.createServer((s) => sockets.add(s));
      await new Promise<void>((r) => silent.listen(0, '127.0.0.1', () => r()));
      const port = (silent.address() as net.AddressInfo).port;
      const { user, password } = freshUser();
      const source = createImapMailSource(channel(d, user, { port, timeoutMs: 1000 }), passwordDeps(d, password));
      try {
        const err = await rejects(source.listNew('INBOX', undefined), TransientError, 'IMAP_CONNECT');
        assert.match(err.message, /could not connect to the mail server$/);
      } finally {
        await source.close();
        for (const s of sockets) s.destroy();
        await new Promise((r) => silent.close(r));
      }
    });
  });

  describe('listing new mail', () => {
    it('the first sync without a start date lists nothing; mail arriving later is listed exactly once', async () => {
      const { user, source } = sourceFor(d);
      try {
        await d.append(user, 'INBOX', mail('old one').raw);
        await d.append(user, 'INBOX', mail('old two').raw);
        const first = await source.listNew('INBOX', undefined);
        assert.deepEqual(first.mails, []);
        assert.equal(first.resynced, false);

        const fresh = mail('new');
        const appended = await d.append(user, 'INBOX', fresh.raw);
        const second = await source.listNew('INBOX', first.cursor);
        assert.equal(second.mails.length, 1);
        assert.deepEqual(second.mails[0]!.ref, { protocol: 'imap', folder: 'INBOX', uidValidity: appended.uidValidity, uid: appended.uid });
        assert.equal(second.mails[0]!.internetMessageId, fresh.messageId);
        assert.ok(second.mails[0]!.receivedAt && !Number.isNaN(Date.parse(second.mails[0]!.receivedAt)));

        const third = await source.listNew('INBOX', second.cursor);
        assert.deepEqual(third.mails, []);
        assert.deepEqual(third.cursor, second.cursor);
        // The cursor survives a JSON round trip (it is stored in Cosmos).
        assert.deepEqual(JSON.parse(JSON.stringify(third.cursor)), { uidValidity: appended.uidValidity, lastUid: appended.uid });
      } finally {
        await source.close();
      }
    });

    it('the first sync with a start date lists mail received since then, to the minute', async () => {
      const { user, source } = sourceFor(d);
      try {
        const since = new Date(Date.now() - 3 * 60 * 60 * 1000);
        const tooOld = mail('a week before');
        const justBefore = mail('one minute before');
        const justAfter = mail('one minute after');
        const recent = mail('recent');
        await d.append(user, 'INBOX', tooOld.raw, [], new Date(since.getTime() - 7 * 24 * 3600_000));
        await d.append(user, 'INBOX', justBefore.raw, [], new Date(since.getTime() - 60_000));
        await d.append(user, 'INBOX', justAfter.raw, ['\\Seen'], new Date(since.getTime() + 60_000));
        await d.append(user, 'INBOX', recent.raw);
        const res = await source.listNew('INBOX', undefined, { since });
        assert.deepEqual(res.mails.map((m) => m.internetMessageId), [justAfter.messageId, recent.messageId]);
        assert.equal(res.mails[0]!.receivedAt, new Date(since.getTime() + 60_000).toISOString().replace(/\.\d{3}Z$/, '.000Z'));

        const next = await source.listNew('INBOX', res.cursor);
        assert.deepEqual(next.mails, [], 'what was listed or skipped is not listed again');
      } finally {
        await source.close();
      }
    });

    it('a changed UIDVALIDITY lists the folder again as a resync, with fresh refs', async () => {
      const { user, source } = sourceFor(d);
      try {
        const a = mail('before the migration');
        const first = await d.append(user, 'INBOX', a.raw);
        const start = await source.listNew('INBOX', undefined, { since: new Date(Date.now() - 60_000) });
        assert.equal(start.mails.length, 1);
        await source.close(); // the server-side change happens while no session has the folder open

        const { uidValidity } = await d.resetUidValidity(user, 'INBOX');
        assert.notEqual(uidValidity, first.uidValidity);
        const b = mail('after the migration');
        await d.append(user, 'INBOX', b.raw);

        const res = await source.listNew('INBOX', start.cursor);
        assert.equal(res.resynced, true);
        assert.deepEqual(res.mails.map((m) => m.internetMessageId), [a.messageId, b.messageId]);
        assert.ok(res.mails.every((m) => m.ref.protocol === 'imap' && m.ref.uidValidity === uidValidity));
        assert.equal((res.cursor as { uidValidity: string }).uidValidity, uidValidity);

        // The old ref no longer names a mail reliably: refused, not guessed.
        await rejects(source.fetchRaw(start.mails[0]!.ref), PermanentError, 'IMAP_STALE_REF');
        // The fresh ref works.
        assert.deepEqual(await source.fetchRaw(res.mails[0]!.ref), a.raw);
        const after = await source.listNew('INBOX', res.cursor);
        assert.equal(after.resynced, false);
        assert.deepEqual(after.mails, []);
      } finally {
        await source.close();
      }
    });

    it('reading a folder that does not exist is a permanent IMAP_NO_FOLDER error', async () => {
      const { source } = sourceFor(d);
      try {
        await rejects(source.listNew('Support/Nope', undefined), PermanentError, 'IMAP_NO_FOLDER');
        // The connection is still good for the next operation.
        assert.deepEqual((await source.listNew('INBOX', undefined)).mails, []);
      } finally {
        await source.close();
      }
    });

    it('a cursor of the wrong shape is refused with the field named', async () => {
      const { source } = sourceFor(d);
      try {
        const err = await rejects(source.listNew('INBOX', { deltaLink: 'https://graph.example/x' }), PermanentError, 'IMAP_BAD_CURSOR');
        assert.match(err.message, /uidValidity/);
      } finally {
        await source.close();
      }
    });
  });

  describe('fetching', () => {
    it('returns the exact bytes that were delivered and leaves the mail unread', async () => {
      const { user, source } = sourceFor(d);
      try {
        const corpus = fs.readFileSync(path.join(corpusDir, 'mail003.box')); // a real mail with CRLF line ends
        const eightBit = Buffer.concat([mail('caf\u00e9').raw, Buffer.from([0xe9, 0x0d, 0x0a])]);
        for (const raw of [corpus, eightBit]) {
          const appended = await d.append(user, 'INBOX', raw);
          const ref: SourceRef = { protocol: 'imap', folder: 'INBOX', uidValidity: appended.uidValidity, uid: appended.uid };
          const got = await source.fetchRaw(ref);
          assert.ok(got.equals(raw), 'byte-for-byte equal');
        }
        const stored = await d.list(user, 'INBOX');
        assert.equal(stored.length, 2);
        for (const m of stored) assert.ok(!m.flags.includes('\\Seen'), `uid ${m.uid} is still unread: ${m.flags.join(' ')}`);
      } finally {
        await source.close();
      }
    });

    it('a mail that is gone is a permanent IMAP_NO_MESSAGE error', async () => {
      const { user, source } = sourceFor(d);
      try {
        const appended = await d.append(user, 'INBOX', mail('x').raw);
        const ref: SourceRef = { protocol: 'imap', folder: 'INBOX', uidValidity: appended.uidValidity, uid: appended.uid + 100 };
        await rejects(source.fetchRaw(ref), PermanentError, 'IMAP_NO_MESSAGE');
      } finally {
        await source.close();
      }
    });

    it('concurrent calls on one source each read from their own folder', async () => {
      const { user, source } = sourceFor(d);
      try {
        const refs: { ref: SourceRef; raw: Buffer }[] = [];
        for (const folder of ['INBOX', 'Second', 'Third', 'INBOX', 'Second', 'Third']) {
          const m = mail(`in ${folder}`);
          const a = await d.append(user, folder, m.raw);
          refs.push({ ref: { protocol: 'imap', folder, uidValidity: a.uidValidity, uid: a.uid }, raw: m.raw });
        }
        const got = await Promise.all(refs.map((r) => source.fetchRaw(r.ref)));
        got.forEach((g, i) => assert.ok(g.equals(refs[i]!.raw), `fetch ${i} from ${refs[i]!.ref.folder}`));
      } finally {
        await source.close();
      }
    });
  });

  describe('moving and folders', () => {
    it('processed mail moves to the success folder; the returned ref names it there', async () => {
      const { user, source } = sourceFor(d);
      try {
        await source.ensureFolders(['Processed']);
        const m = mail('to be processed');
        const a = await d.append(user, 'INBOX', m.raw);
        const ref: SourceRef = { protocol: 'imap', folder: 'INBOX', uidValidity: a.uidValidity, uid: a.uid };
        const moved = await source.move(ref, 'Processed');
        assert.equal(moved.protocol, 'imap');
        assert.equal(moved.folder, 'Processed');
        assert.deepEqual(await d.list(user, 'INBOX'), []);
        const there = await d.list(user, 'Processed');
        assert.deepEqual(there.map((x) => x.messageId), [m.messageId]);
        assert.ok(moved.protocol === 'imap' && moved.uid === there[0]!.uid);
        assert.ok((await source.fetchRaw(moved)).equals(m.raw));
        assert.ok(!there[0]!.flags.includes('\\Seen'), 'moving does not mark it read');
      } finally {
        await source.close();
      }
    });

    it('moving again after a crash finds the mail in the target by its Message-ID', async () => {
      const { user, source } = sourceFor(d);
      try {
        await source.ensureFolders(['Processed']);
        const m = mail('moved twice');
        const a = await d.append(user, 'INBOX', m.raw);
        const ref: SourceRef = { protocol: 'imap', folder: 'INBOX', uidValidity: a.uidValidity, uid: a.uid };
        const first = await source.move(ref, 'Processed', { internetMessageId: m.messageId });
        const retry = await source.move(ref, 'Processed', { internetMessageId: m.messageId });
        assert.deepEqual(retry, first);
        assert.equal((await d.list(user, 'Processed')).length, 1);
        // Without the Message-ID there is nothing to look for: said so, not silently accepted.
        await rejects(source.move(ref, 'Processed'), PermanentError, 'IMAP_NO_MESSAGE');
      } finally {
        await source.close();
      }
    });

    it('moving to a folder that does not exist fails permanently and leaves the mail where it was', async () => {
      const { user, source } = sourceFor(d);
      try {
        const a = await d.append(user, 'INBOX', mail('stays').raw);
        const ref: SourceRef = { protocol: 'imap', folder: 'INBOX', uidValidity: a.uidValidity, uid: a.uid };
        await rejects(source.move(ref, 'No/Such/Folder'), PermanentError, 'IMAP_NO_FOLDER');
        assert.deepEqual((await d.list(user, 'INBOX')).map((x) => x.uid), [a.uid]);
      } finally {
        await source.close();
      }
    });

    it('ensureFolders creates missing nested folders and accepts existing ones', async () => {
      const { user, source } = sourceFor(d);
      try {
        await d.append(user, 'Existing', mail('x').raw);
        await source.ensureFolders(['Tickets/Done/2026', 'Tickets/Failed', 'Existing', 'Inbox']);
        await source.ensureFolders(['Tickets/Done/2026']);
        const folders = await d.folders(user);
        for (const f of ['Tickets', 'Tickets/Done', 'Tickets/Done/2026', 'Tickets/Failed', 'Existing', 'INBOX']) assert.ok(folders.includes(f), `${f} in ${folders.join(', ')}`);
        assert.equal(folders.length, 6);
      } finally {
        await source.close();
      }
    });

    it('50 operations leave no IMAP connection open', async () => {
      const { user, source } = sourceFor(d);
      const a = await d.append(user, 'INBOX', mail('x').raw);
      const ref: SourceRef = { protocol: 'imap', folder: 'INBOX', uidValidity: a.uidValidity, uid: a.uid };
      let cursor;
      let most = 0;
      for (let i = 0; i < 25; i++) {
        cursor = (await source.listNew('INBOX', cursor)).cursor;
        await source.fetchRaw(ref);
        most = Math.max(most, d.connectionCount());
      }
      assert.equal(most, 1, 'one source reuses one connection');
      await source.close();
      assert.equal(await d.waitForNoConnections(), 0);

      // 50 sources opened and closed one after another, some of them failing.
      for (let i = 0; i < 50; i++) {
        const s = createImapMailSource(channel(d, user), passwordDeps(d, USERS.find((u) => u.user === user)!.password));
        if (i % 5 === 0) await s.listNew('Missing', undefined).catch(() => undefined);
        else await s.fetchRaw(ref);
        await s.close();
      }
      assert.equal(await d.waitForNoConnections(), 0, d.log().slice(-2000));
    });
  });
});

describe('IMAP mail source on servers of another shape', () => {
  it('without MOVE support the mail is copied, flagged and expunged by UID; other deleted mail is left alone', async () => {
    const d = await startDovecot({ withoutCapabilities: ['MOVE'] });
    try {
      const { user, password } = d.users[0]!;
      const source = createImapMailSource(channel(d, user), passwordDeps(d, password));
      try {
        await source.ensureFolders(['Processed']);
        const keep = mail('deleted by a person, not yet expunged');
        await d.append(user, 'INBOX', keep.raw, ['\\Deleted']);
        const m = mail('moved by copy');
        const a = await d.append(user, 'INBOX', m.raw);
        const moved = await source.move({ protocol: 'imap', folder: 'INBOX', uidValidity: a.uidValidity, uid: a.uid }, 'Processed');
        assert.equal(moved.folder, 'Processed');
        assert.ok((await source.fetchRaw(moved)).equals(m.raw));
        assert.deepEqual((await d.list(user, 'INBOX')).map((x) => x.messageId), [keep.messageId]);
      } finally {
        await source.close();
      }
      // Dovecot's logout line counts mail flagged \Deleted and expunged: the COPY path flags one and expunges one.
      assert.ok(await d.waitForLog(/Logged out .*deleted=1 expunged=1/), `the move went through COPY + \\Deleted + UID EXPUNGE:\n${d.log()}`);
    } finally {
      await d.stop();
    }
  });

  it('folders nest with the server\u2019s own delimiter (".")', async () => {
    const d = await startDovecot({ separator: '.' });
    try {
      const { user, password } = d.users[0]!;
      const source = createImapMailSource(channel(d, user), passwordDeps(d, password));
      try {
        await source.ensureFolders(['Tickets/Done']);
        assert.deepEqual(await d.folders(user), ['INBOX', 'Tickets', 'Tickets.Done']);
        const m = mail('nested');
        const a = await d.append(user, 'INBOX', m.raw);
        const moved = await source.move({ protocol: 'imap', folder: 'INBOX', uidValidity: a.uidValidity, uid: a.uid }, 'Tickets/Done');
        assert.equal(moved.folder, 'Tickets/Done');
        assert.deepEqual((await d.list(user, 'Tickets.Done')).map((x) => x.messageId), [m.messageId]);
        assert.ok((await source.fetchRaw(moved)).equals(m.raw));
      } finally {
        await source.close();
      }
    } finally {
      await d.stop();
    }
  });
});
