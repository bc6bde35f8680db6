import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { ImapFlow } from 'imapflow';
import { freePort } from '../../devhost/ports';
import { stopChild } from '../../devhost/emulators';

/**
 * A real Dovecot IMAP server for tests (Debian `dovecot-imapd`), one per call, on free
 * loopback ports, with everything (config, sockets, state, log, maildirs, a self-signed
 * certificate) in its own temp dir that `stop()` removes.
 *
 * Auth: PLAIN/LOGIN against a passwd-file, and XOAUTH2 against Dovecot's `oauth2` passdb,
 * which validates tokens by RFC 7662 introspection at a small HTTP endpoint this helper
 * runs in the test process (`issueAccessToken` mints a token it accepts).
 */

const DOVECOT_BIN = '/usr/sbin/dovecot';
const DOVEADM_BIN = '/usr/bin/doveadm';
const OPENSSL_BIN = '/usr/bin/openssl';

export interface DovecotUser {
  user: string;
  password: string;
}

export interface StartDovecotOptions {
  /** Mail accounts; default one, `alice@example.com` / `alice-secret`. */
  users?: DovecotUser[];
  /**
   * Capabilities Dovecot must not advertise after login (e.g. `['MOVE']` to make a client
   * take its COPY + EXPUNGE path). Dovecot still understands the commands; only the
   * advertisement changes, which is what clients decide on.
   */
  withoutCapabilities?: string[];
  /** Hierarchy separator of the mail namespace: `/` (default) or `.` (as Courier-style servers use). */
  separator?: '/' | '.';
  /**
   * Dovecot's `mail_max_userip_connections` (default 10): logins of one user from one IP
   * beyond this are refused, as a provider's per-mailbox connection limit does.
   */
  maxUserIpConnections?: number;
  /**
   * XOAUTH2 tokens are checked at this RFC 7662 endpoint instead of the helper's own (e.g. the
   * Entra simulator's `introspectionEndpoint`, so the tokens an app got from the simulator log
   * in); `caPem` is trusted for it when it is https.
   */
  introspection?: { url: string; caPem?: string };
}

export interface AppendedMail {
  uid: number;
  /** UIDVALIDITY of the folder as a decimal string. */
  uidValidity: string;
}

export interface StoredMail {
  uid: number;
  flags: string[];
  messageId?: string;
  internalDate?: Date;
}

export interface Dovecot {
  host: '127.0.0.1';
  /** Plain IMAP; STARTTLS offered. */
  port: number;
  /** IMAPS (TLS from the first byte). */
  tlsPort: number;
  /** The server's self-signed certificate (CN and IP SAN 127.0.0.1): trust it as `ca`. */
  caCertPem: string;
  users: DovecotUser[];
  pid: number;
  /** The temp dir holding config, maildirs and `log/dovecot.log`. */
  dir: string;
  /** A fresh OAuth access token that Dovecot accepts for `user` over XOAUTH2. */
  issueAccessToken(user: string): string;
  /** Makes a token issued earlier invalid (introspection answers `active: false`). */
  revokeAccessToken(token: string): void;
  /** APPENDs `raw` as `user` (creating the folder when missing). */
  append(user: string, folder: string, raw: Buffer, flags?: string[], internalDate?: Date): Promise<AppendedMail>;
  /** The mail in `folder` as `user` sees it; fetching never changes flags. */
  list(user: string, folder: string): Promise<StoredMail[]>;
  /** The folders of `user` (full paths, `/` separated). */
  folders(user: string): Promise<string[]>;
  /**
   * Gives `folder` a new UIDVALIDITY, as a server migration or index rebuild does: the
   * maildir's uid list and indexes are dropped, Dovecot rebuilds them with a new
   * UIDVALIDITY and renumbers the mail from 1. Run it while no session has the folder open.
   */
  resetUidValidity(user: string, folder: string): Promise<{ uidValidity: string }>;
  /** Ends every session of `user` from the server side (`doveadm kick`), as a server restart or an admin does. */
  kick(user: string): void;
  /** Client connections Dovecot holds open right now (ESTABLISHED on its two ports). */
  connectionCount(): number;
  /** Waits (up to `timeoutMs`) until Dovecot holds no client connection; returns the count then. */
  waitForNoConnections(timeoutMs?: number): Promise<number>;
  /** The Dovecot log so far (useful in assertion messages). */
  log(): string;
  /** Waits (up to `timeoutMs`) until the log matches `pattern` (Dovecot writes some lines after the client is gone). */
  waitForLog(pattern: RegExp, timeoutMs?: number): Promise<boolean>;
  stop(): Promise<void>;
}

const DEFAULT_USERS: DovecotUser[] = [{ user: 'alice@example.com', password: 'alice-secret' }];

export async function startDovecot(opts: StartDovecotOptions = {}): Promise<Dovecot> {
  if (!fs.existsSync(DOVECOT_BIN)) throw new Error(`${DOVECOT_BIN} missing: run \`npx tsx scripts/system-packages.ts\` (installs dovecot-imapd)`);
  const users = (opts.users ?? DEFAULT_USERS).map((u) => ({ ...u }));
  for (const u of users) {
    if (/[:\s]/.test(u.user) || /[:\r\n]/.test(u.password)) throw new Error(`dovecot user ${JSON.stringify(u.user)}: no ':' or whitespace allowed (passwd-file format)`);
  }

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dovecot-'));
  // Dovecot's unprivileged processes (mail user, login user) must traverse it.
  fs.chmodSync(dir, 0o755);
  const tokens = new Map<string, string>();
  const introspection = await startIntrospectionEndpoint(tokens);
  let child: ChildProcess | undefined;
  try {
    const certPath = path.join(dir, 'cert.pem');
    const keyPath = path.join(dir, 'key.pem');
    makeSelfSignedCert(certPath, keyPath);
    const [port, tlsPort] = [await freePort(), await freePort()];
    const separator = opts.separator ?? '/';
    const layout = prepareDirs(dir, users);
    fs.writeFileSync(
      path.join(dir, 'oauth2.conf.ext'),
      [
        'introspection_mode = post',
        `introspection_url = ${opts.introspection?.url ?? `http://127.0.0.1:${introspection.port}/introspect`}`,
        ...(opts.introspection?.caPem ? [`tls_ca_cert_file = ${writeFile(path.join(dir, 'introspection-ca.pem'), opts.introspection.caPem)}`] : []),
        'username_attribute = username',
        'active_attribute = active',
        'active_value = true',
        '',
      ].join('\n'),
    );
    const confPath = path.join(dir, 'dovecot.conf');
    const writeConf = (imapCapability?: string) =>
      fs.writeFileSync(confPath, dovecotConf({ dir, port, tlsPort, certPath, keyPath, imapCapability, separator, maxUserIpConnections: opts.maxUserIpConnections, ...layout }));
    writeConf();

    child = spawn(DOVECOT_BIN, ['-F', '-c', confPath], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => { stderr += d.toString(); });
    const started = child;
    const exited = new Promise<never>((_, reject) =>
      started.once('exit', (code) => reject(new Error(`dovecot exited (${code}): ${stderr}${readLog(dir)}`))),
    );
    exited.catch(() => undefined);
    // Watch for the listening sockets rather than probing them: a probe connection leaves an
    // imap-login process behind that delays Dovecot's shutdown by seconds.
    await Promise.race([waitForListening([port, tlsPort], 10_000), exited]);

    const caCertPem = fs.readFileSync(certPath, 'utf8');
    const connectAs = (user: string) => {
      const account = users.find((u) => u.user === user);
      if (!account) throw new Error(`no dovecot user ${user}`);
      return connectPlain(port, account);
    };

    if (opts.withoutCapabilities?.length) {
      await hideCapabilities(opts.withoutCapabilities, { connectAs: () => connectAs(users[0]!.user), writeConf, pid: started.pid! });
    }

    const handle: Dovecot = {
      host: '127.0.0.1',
      port,
      tlsPort,
      caCertPem,
      users,
      pid: started.pid ?? -1,
      dir,
      issueAccessToken(user) {
        if (!users.some((u) => u.user === user)) throw new Error(`no dovecot user ${user}`);
        const token = crypto.randomBytes(24).toString('base64url');
        tokens.set(token, user);
        return token;
      },
      revokeAccessToken(token) {
        tokens.delete(token);
      },
      async append(user, folder, raw, flags, internalDate) {
        return withClient(connectAs(user), async (c) => {
          const exists = (await c.list()).some((m) => m.path === folder);
          if (!exists) await c.mailboxCreate(folder);
          const res = await c.append(folder, raw, flags, internalDate);
          if (!res || res.uid === undefined || res.uidValidity === undefined) throw new Error(`APPEND to ${folder} gave no APPENDUID`);
          return { uid: res.uid, uidValidity: res.uidValidity.toString() };
        });
      },
      async list(user, folder) {
        return withClient(connectAs(user), async (c) => {
          const lock = await c.getMailboxLock(folder, { readOnly: true });
          try {
            const out: StoredMail[] = [];
            for await (const m of c.fetch('1:*', { uid: true, flags: true, envelope: true, internalDate: true }, { uid: true })) {
              out.push({
                uid: m.uid,
                flags: [...(m.flags ?? [])],
                messageId: m.envelope?.messageId,
                internalDate: m.internalDate instanceof Date ? m.internalDate : undefined,
              });
            }
            return out.sort((a, b) => a.uid - b.uid);
          } finally {
            lock.release();
          }
        });
      },
      async folders(user) {
        return withClient(connectAs(user), async (c) => (await c.list()).map((m) => m.path).sort());
      },
      async resetUidValidity(user, folder) {
        const before = await withClient(connectAs(user), async (c) => statusUidValidity(c, folder));
        // Maildir keeps UIDs in `dovecot-uidlist` and caches them in `dovecot.index*`;
        // without both, Dovecot rebuilds the folder with the next UIDVALIDITY it hands out.
        const maildir = folderMaildir(layout.mailRoot, user, folder, separator);
        for (const name of fs.readdirSync(maildir)) {
          if (name === 'dovecot-uidlist' || name.startsWith('dovecot.index') || name === 'dovecot.list.index.log') {
            fs.rmSync(path.join(maildir, name), { force: true });
          }
        }
        dropListIndex(layout.mailRoot, user);
        const after = await withClient(connectAs(user), async (c) => statusUidValidity(c, folder));
        if (after === undefined || after === before) throw new Error(`UIDVALIDITY of ${folder} did not change (${before})`);
        return { uidValidity: after.toString() };
      },
      kick(user) {
        execFileSync(DOVEADM_BIN, ['-c', confPath, 'kick', user], { stdio: ['ignore', 'ignore', 'pipe'] });
      },
      connectionCount: () => establishedOn([port, tlsPort]),
      async waitForNoConnections(timeoutMs = 5_000) {
        const deadline = Date.now() + timeoutMs;
        for (;;) {
          const n = establishedOn([port, tlsPort]);
          if (n === 0 || Date.now() > deadline) return n;
          await new Promise((r) => setTimeout(r, 25));
        }
      },
      log: () => readLog(dir),
      async waitForLog(pattern, timeoutMs = 5_000) {
        const deadline = Date.now() + timeoutMs;
        for (;;) {
          if (pattern.test(readLog(dir))) return true;
          if (Date.now() > deadline) return false;
          await new Promise((r) => setTimeout(r, 25));
        }
      },
      async stop() {
        await stopChild(started);
        await introspection.close();
        fs.rmSync(dir, { recursive: true, force: true });
      },
    };
    return handle;
  } catch (err) {
    if (child) await stopChild(child);
    await introspection.close();
    fs.rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}

// ---------- configuration ----------

interface Layout {
  usersFile: string;
  mailRoot: string;
  /** Set when running as root: Dovecot runs mail processes as this system user. */
  mailUser?: string;
  /** Set when not root: every Dovecot process runs as the current user. */
  selfUser?: { name: string; group: string; uid: number };
}

function prepareDirs(dir: string, users: DovecotUser[]): Layout {
  for (const d of ['run', 'state', 'log', 'mail']) fs.mkdirSync(path.join(dir, d));
  const usersFile = path.join(dir, 'users');
  fs.writeFileSync(usersFile, users.map((u) => `${u.user}:{PLAIN}${u.password}::::::\n`).join(''), { mode: 0o640 });
  const mailRoot = path.join(dir, 'mail');
  if (process.getuid?.() === 0) {
    // The auth process reads the users file and mail processes write the maildirs as `dovecot`.
    const dovecot = systemUser('dovecot');
    fs.chownSync(mailRoot, dovecot.uid, dovecot.gid);
    fs.chownSync(usersFile, dovecot.uid, dovecot.gid);
    return { usersFile, mailRoot, mailUser: 'dovecot' };
  }
  const me = os.userInfo();
  return { usersFile, mailRoot, selfUser: { name: me.username, group: groupName(me.gid) ?? me.username, uid: me.uid } };
}

function dovecotConf(
  c: Layout & { dir: string; port: number; tlsPort: number; certPath: string; keyPath: string; imapCapability?: string; separator: string; maxUserIpConnections?: number },
): string {
  const asSelf = c.selfUser;
  return `# Generated by test/support/dovecot.ts
base_dir = ${c.dir}/run
state_dir = ${c.dir}/state
log_path = ${c.dir}/log/dovecot.log
instance_name = dovecot-test-${path.basename(c.dir)}
protocols = imap
listen = 127.0.0.1
ssl = yes
ssl_cert = <${c.certPath}
ssl_key = <${c.keyPath}
# Tests also log in over plain TCP (channel tls = none).
disable_plaintext_auth = no
auth_mechanisms = plain login xoauth2
# Wrong-password tests must not wait: no failure delay, and no anvil penalty (the growing
# per-IP delay, 0.5 s, 4.5 s, 8.5 s ... after each failure; see the anvil service below).
# No auth cache, so a revoked token fails at once.
auth_failure_delay = 0
auth_cache_size = 0
first_valid_uid = ${asSelf ? asSelf.uid : 100}
mail_location = maildir:~/Maildir
mail_fsync = never
${c.maxUserIpConnections ? `protocol imap {\n  mail_max_userip_connections = ${c.maxUserIpConnections}\n}\n` : ''}${asSelf ? `default_internal_user = ${asSelf.name}\ndefault_internal_group = ${asSelf.group}\ndefault_login_user = ${asSelf.name}\n` : ''}${c.imapCapability ? `imap_capability = ${c.imapCapability}\n` : ''}
namespace inbox {
  inbox = yes
  separator = ${c.separator}
}

passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u ${c.usersFile}
  mechanisms = plain login
}
passdb {
  driver = oauth2
  args = ${c.dir}/oauth2.conf.ext
  mechanisms = xoauth2
}
userdb {
  driver = passwd-file
  args = username_format=%u ${c.usersFile}
  default_fields = ${asSelf ? '' : `uid=${c.mailUser} gid=${c.mailUser} `}home=${c.mailRoot}/%u
}

service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = ${c.port}
  }
  inet_listener imaps {
    address = 127.0.0.1
    port = ${c.tlsPort}
    ssl = yes
  }
${asSelf ? '  chroot =\n' : ''}}
service anvil {
  unix_listener anvil-auth-penalty {
    mode = 0
  }
${asSelf ? '  chroot =\n' : ''}}
`;
}

function makeSelfSignedCert(certPath: string, keyPath: string): void {
  execFileSync(
    OPENSSL_BIN,
    ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', keyPath, '-out', certPath,
      '-days', '2', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost'],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
}

/**
 * Dovecot can only replace its capability list, not subtract from it: read the list
 * it advertises, write it without `hidden`, reload (SIGHUP) and wait until new logins see it.
 */
async function hideCapabilities(
  hidden: string[],
  ctx: { connectAs: () => ImapFlow; writeConf: (imapCapability: string) => void; pid: number },
): Promise<void> {
  const upper = new Set(hidden.map((h) => h.toUpperCase()));
  const advertised = await withClient(ctx.connectAs(), async (c) => [...c.capabilities.keys()]);
  ctx.writeConf(advertised.filter((cap) => !upper.has(cap.toUpperCase())).join(' '));
  process.kill(ctx.pid, 'SIGHUP');
  const deadline = Date.now() + 10_000;
  for (;;) {
    const now = await withClient(ctx.connectAs(), async (c) => [...c.capabilities.keys()]);
    if (!now.some((cap) => upper.has(cap.toUpperCase()))) return;
    if (Date.now() > deadline) throw new Error(`dovecot still advertises ${hidden.join(', ')} after reload`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

// ---------- OAuth token introspection (RFC 7662) for Dovecot's oauth2 passdb ----------

async function startIntrospectionEndpoint(tokens: Map<string, string>): Promise<{ port: number; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => { body += d.toString(); });
    req.on('end', () => {
      const token = new URLSearchParams(body).get('token') ?? '';
      const user = tokens.get(token);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(user ? { active: 'true', username: user } : { active: 'false' }));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const addr = server.address();
  if (addr === null || typeof addr === 'string') throw new Error('introspection endpoint: no address');
  return {
    port: addr.port,
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

// ---------- small helpers ----------

async function statusUidValidity(c: ImapFlow, folder: string): Promise<bigint | undefined> {
  const status = await c.status(folder, { uidValidity: true });
  return status ? status.uidValidity : undefined;
}

function connectPlain(port: number, account: DovecotUser): ImapFlow {
  return new ImapFlow({
    host: '127.0.0.1',
    port,
    secure: false,
    doSTARTTLS: false,
    auth: { user: account.user, pass: account.password },
    logger: false,
    disableAutoIdle: true,
  });
}

async function withClient<T>(client: ImapFlow, fn: (c: ImapFlow) => Promise<T>): Promise<T> {
  client.on('error', () => undefined);
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.logout().catch(() => client.close());
  }
}

/** Maildir++ layout: INBOX is `Maildir/` itself, `A/B` (or `A.B`) is `Maildir/.A.B`. */
function folderMaildir(mailRoot: string, user: string, folder: string, separator: string): string {
  const base = path.join(mailRoot, user, 'Maildir');
  return folder.toUpperCase() === 'INBOX' ? base : path.join(base, `.${folder.split(separator).join('.')}`);
}

function dropListIndex(mailRoot: string, user: string): void {
  const base = path.join(mailRoot, user, 'Maildir');
  for (const name of fs.readdirSync(base)) {
    if (name.startsWith('dovecot.list.index')) fs.rmSync(path.join(base, name), { force: true });
  }
}

function readLog(dir: string): string {
  try {
    return fs.readFileSync(path.join(dir, 'log', 'dovecot.log'), 'utf8');
  } catch {
    return '';
  }
}

async function waitForListening(ports: number[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (socketsOn(ports, '0A') < ports.length) { // 0A = LISTEN
    if (Date.now() > deadline) throw new Error(`dovecot does not listen on ${ports.join(', ')} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** ESTABLISHED TCP sockets whose local port is one of `ports`. */
function establishedOn(ports: number[]): number {
  return socketsOn(ports, '01');
}

/** TCP sockets in `state` (hex code of /proc/net/tcp) whose local port is one of `ports` (Linux). */
function socketsOn(ports: number[], state: string): number {
  const wanted = new Set(ports);
  let n = 0;
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      const local = cols[1];
      if (!local || cols[3] !== state) continue;
      const localPort = parseInt(local.split(':')[1] ?? '', 16);
      if (wanted.has(localPort)) n++;
    }
  }
  return n;
}

function systemUser(name: string): { uid: number; gid: number } {
  const line = fs.readFileSync('/etc/passwd', 'utf8').split('\n').find((l) => l.startsWith(`${name}:`));
  const [, , uid, gid] = line?.split(':') ?? [];
  if (uid === undefined || gid === undefined) throw new Error(`system user ${name} missing (is dovecot-imapd installed?)`);
  return { uid: Number(uid), gid: Number(gid) };
}

function groupName(gid: number): string | undefined {
  const line = fs.readFileSync('/etc/group', 'utf8').split('\n').find((l) => l.split(':')[2] === String(gid));
  return line?.split(':')[0];
}


function writeFile(file: string, content: string): string {
  fs.writeFileSync(file, content);
  return file;
}

/**
 * A channel on a user's Dovecot mailbox, as the tests create it: password login over
 * STARTTLS, INBOX read, Processed / Failed, the `it-support` template; `more` adds or
 * replaces top-level sections (domains, a ticket mapping with fields, …).
 */
export function dovecotChannelInput(dovecot: Pick<Dovecot, 'port'>, user: { user: string; password: string }, name: string, more: Record<string, unknown> = {}) {
  return {
    name,
    connection: { protocol: 'imap', host: '127.0.0.1', port: dovecot.port, tls: 'starttls', username: user.user, auth: { type: 'password', password: user.password } },
    folders: { read: ['INBOX'], success: 'Processed', fail: 'Failed' },
    ticketMapping: { templateId: 'it-support' },
    ...more,
  };
}
