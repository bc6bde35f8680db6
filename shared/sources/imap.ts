import type { Readable } from 'node:stream';
import type { FetchMessageObject, ImapFlow, MailboxObject } from 'imapflow';
import type { ChannelRecord } from '../config/channel';
import { PermanentError, TransientError } from '../errors';
import { withoutAngleBrackets } from '../mail/mime-headers';
import { SourceRef } from '../queue/contracts';
import { nextCursor, parseImapCursor, planListing, searchSinceDate, type FolderState, type ListingPlan } from './imap-cursor';
import { describeServer, type ImapConnection, type ImapDeps } from './imap-connection';
import { ImapPool } from './imap-pool';
import { toImapError } from './imap-errors';
import { folderAncestry, sameServerPath, serverPath } from './imap-folders';
import type { FolderCursor, ListedMail, ListResult, MailSource, MoveOptions } from './mail-source';

export type { ImapDeps, ExtraTlsOptions, OAuthAuth } from './imap-connection';
export { imapScope } from './imap-connection';
export type { ImapCursor } from './imap-cursor';

/**
 * The IMAP `MailSource` (imapflow). Every operation borrows a logged-in connection from an
 * `ImapPool` for its own IMAP conversation and gives it back (see imap-pool.ts): with the
 * process-wide pool (open-source.ts) the mails of one mailbox share a few connections; without
 * one, the source has a private pool of one connection, logged out by `close()`. A connection
 * the server dropped is replaced on the next operation.
 *
 * Never marks mail read: raw bytes are fetched with `BODY.PEEK[]`.
 * Errors: see shared/sources/imap-errors.ts; codes specific to this source:
 * `IMAP_NO_FOLDER`, `IMAP_NO_MESSAGE` (nothing at that ref any more), `IMAP_STALE_REF`
 * (the folder's UIDVALIDITY changed since listing: the resync lists the mail anew),
 * `IMAP_POOL_BUSY` (transient: too many operations wait for this mailbox's connections).
 */
export function createImapMailSource(channel: ChannelRecord, deps: ImapDeps, pool?: ImapPool): MailSource {
  if (channel.connection.protocol !== 'imap') {
    throw new PermanentError('CHANNEL_NOT_IMAP', `channel ${channel.id} uses ${channel.connection.protocol}, not imap`);
  }
  return new ImapMailSource(channel.connection, deps, pool ?? new ImapPool({ maxPerMailbox: 1, maxWaiting: Number.MAX_SAFE_INTEGER }), !pool);
}

type ImapRef = Extract<SourceRef, { protocol: 'imap' }>;

/** A streamed mail is fetched in partial FETCHes of this size (imapflow's default of 64 KiB is ~940 round trips for 60 MB). */
const IMAP_DOWNLOAD_CHUNK_BYTES = 1024 * 1024;

class ImapMailSource implements MailSource {
  constructor(
    private readonly conn: ImapConnection,
    private readonly deps: ImapDeps,
    private readonly pool: ImapPool,
    /** A private pool is logged out on close; a shared one keeps its connections for the next mail. */
    private readonly ownsPool: boolean,
  ) {}

  async listNew(folder: string, cursor: FolderCursor | undefined, options?: { since?: Date }): Promise<ListResult> {
    const previous = parseImapCursor(cursor);
    return this.inFolder(folder, `list "${folder}"`, async (c, box) => {
      const state = await folderState(c, box);
      const plan = planListing(previous, state, options?.since);
      const rows = plan.kind === 'nothing' ? [] : await listUids(c, plan);
      const mails: ListedMail[] = rows.map((m) => ({
        ref: { protocol: 'imap', folder, uidValidity: state.uidValidity, uid: m.uid },
        internetMessageId: m.envelope?.messageId || undefined,
        receivedAt: toDate(m.internalDate)?.toISOString(),
      }));
      return { mails, cursor: nextCursor(previous, state, rows.map((m) => m.uid)), resynced: plan.resynced };
    }, { freshStatus: true });
  }

  async fetchRaw(ref: SourceRef): Promise<Buffer> {
    const src = imapRef(ref);
    return this.inFolder(src.folder, `fetch uid ${src.uid} in "${src.folder}"`, async (c, box) => {
      assertSameUidValidity(src, box);
      // imapflow asks for `BODY.PEEK[]`: the mail stays unread.
      const msg = await c.fetchOne(String(src.uid), { uid: true, source: true }, { uid: true });
      if (!msg || !msg.source) throw noMessage(src);
      return msg.source;
    });
  }

  async streamRaw<T>(ref: SourceRef, consume: (body: Readable) => Promise<T>): Promise<T> {
    const src = imapRef(ref);
    return this.inFolder(src.folder, `fetch uid ${src.uid} in "${src.folder}"`, async (c, box) => {
      assertSameUidValidity(src, box);
      // Partial fetches of BODY.PEEK[] (the mail stays unread), issued as `consume` reads:
      // the folder's lock is held until it is done.
      const { content } = await c.download(String(src.uid), undefined, { uid: true, chunkSize: IMAP_DOWNLOAD_CHUNK_BYTES });
      if (!content) throw noMessage(src);
      try {
        return await consume(content);
      } finally {
        content.destroy();
      }
    });
  }

  async move(ref: SourceRef, targetFolder: string, options: MoveOptions = {}): Promise<SourceRef> {
    const src = imapRef(ref);
    const what = `move uid ${src.uid} from "${src.folder}" to "${targetFolder}"`;
    const attempt = await this.inFolder(src.folder, what, async (c, box) => {
      const target = serverPath(targetFolder, c.namespace);
      if (sameServerPath(target, serverPath(src.folder, c.namespace))) return { done: src };
      const found = await locateInSource(c, box, src, options.internetMessageId);
      if (!found) return { messageId: options.internetMessageId };
      // imapflow sends UID MOVE, or COPY + \Deleted + UID EXPUNGE where MOVE is not advertised.
      const res = await c.messageMove(String(found.uid), target, { uid: true });
      if (!res) throw await moveFailure(c, target, targetFolder);
      const newUid = res.uidMap?.get(found.uid);
      if (newUid === undefined) return { messageId: found.messageId }; // moved, but the server gave no COPYUID
      const uidValidity = res.uidValidity ?? (await statusUidValidity(c, target));
      if (uidValidity === undefined) return { messageId: found.messageId };
      return { done: { protocol: 'imap', folder: targetFolder, uidValidity: uidValidity.toString(), uid: newUid } satisfies ImapRef };
    });
    if (attempt.done) return attempt.done;

    // Not in the source any more (an earlier attempt moved it, then crashed before recording it),
    // or moved without COPYUID: the target holds it under its Message-ID.
    if (!attempt.messageId) throw noMessage(src, 'and no Message-ID is known to look for it in the target');
    const messageId = attempt.messageId;
    const inTarget = await this.inFolder(targetFolder, what, async (c, box) => {
      const uids = await uidsByMessageId(c, messageId);
      const uid = uids.at(-1);
      return uid === undefined ? undefined : ({ protocol: 'imap', folder: targetFolder, uidValidity: box.uidValidity.toString(), uid } satisfies ImapRef);
    });
    if (!inTarget) throw noMessage(src, `and ${messageId} is not in "${targetFolder}" either`);
    return inTarget;
  }

  async ensureFolders(folders: string[]): Promise<void> {
    await this.withSession('create folders', async (c) => {
      const existing = new Set((await c.list()).map((m) => m.path));
      for (const folder of folders) {
        for (const name of folderAncestry(folder)) {
          const path = serverPath(name, c.namespace);
          if (path === 'INBOX' || existing.has(path)) continue;
          await c.mailboxCreate(path); // ALREADYEXISTS (a concurrent creator) is not an error
          existing.add(path);
        }
      }
    });
  }

  async close(): Promise<void> {
    // Each operation already gave its connection back.
    if (this.ownsPool) await this.pool.drain();
  }

  // ---------- connection handling ----------

  private async withSession<T>(what: string, fn: (c: ImapFlow) => Promise<T>): Promise<T> {
    try {
      return await this.pool.withConnection(this.conn, this.deps, fn);
    } catch (err) {
      throw toImapError(err, `${describeServer(this.conn)}: ${what}`);
    }
  }

  /** Runs `fn` with `folder` selected (read-write) on a connection nobody else uses meanwhile. */
  private async inFolder<T>(folder: string, what: string, fn: (c: ImapFlow, box: MailboxObject) => Promise<T>, opts: { freshStatus?: boolean } = {}): Promise<T> {
    return this.withSession(what, async (c) => {
      const path = serverPath(folder, c.namespace);
      const before = c.mailbox ? c.mailbox.path : undefined;
      const lock = await c.getMailboxLock(path);
      try {
        // A folder still selected from an earlier operation (maybe another mail's) shows the mail
        // it had then: a session learns of new mail only when it syncs. Re-SELECT (fresh UIDNEXT)
        // or NOOP (new mail visible).
        if (before !== undefined && c.mailbox && c.mailbox.path === before) {
          if (opts.freshStatus) await c.mailboxOpen(path);
          else await c.noop();
        }
        const box = c.mailbox;
        if (!box) throw new TransientError('IMAP_ERROR', `"${folder}" could not be selected`);
        return await fn(c, box);
      } finally {
        lock.release();
      }
    });
  }
}

// ---------- the IMAP conversations ----------

async function folderState(c: ImapFlow, box: MailboxObject): Promise<FolderState> {
  let uidNext = box.uidNext;
  if (!uidNext) {
    // Servers should send UIDNEXT on SELECT; without it, the highest UID is the position.
    const last = box.exists > 0 ? await c.fetchOne('*', { uid: true }) : false;
    uidNext = last ? last.uid + 1 : 1;
  }
  return { uidValidity: box.uidValidity.toString(), uidNext };
}

async function listUids(c: ImapFlow, plan: Extract<ListingPlan, { kind: 'uids' }>): Promise<FetchMessageObject[]> {
  let range: string | number[] = `${plan.fromUid}:*`;
  if (plan.since) {
    const uids = await c.search({ uid: range, since: searchSinceDate(plan.since) }, { uid: true });
    if (uids === false) throw new TransientError('IMAP_ERROR', 'SEARCH SINCE failed');
    if (!uids || uids.length === 0) return [];
    range = uids;
  }
  const rows = await c.fetchAll(range, { uid: true, envelope: true, internalDate: true }, { uid: true });
  const since = plan.since?.getTime();
  return rows
    // `n:*` names the last mail even when its UID is below n.
    .filter((m) => m.uid >= plan.fromUid)
    .filter((m) => since === undefined || (toDate(m.internalDate)?.getTime() ?? Number.POSITIVE_INFINITY) >= since)
    .sort((a, b) => a.uid - b.uid);
}

/** The mail a ref points at, with its Message-ID; by Message-ID when the UIDs were renumbered. */
async function locateInSource(c: ImapFlow, box: MailboxObject, src: ImapRef, messageId: string | undefined): Promise<{ uid: number; messageId?: string } | undefined> {
  if (box.uidValidity.toString() === src.uidValidity) {
    const msg = await c.fetchOne(String(src.uid), { uid: true, envelope: true }, { uid: true });
    return msg ? { uid: msg.uid, messageId: messageId ?? (msg.envelope?.messageId || undefined) } : undefined;
  }
  if (!messageId) throw staleRef(src, box);
  const uid = (await uidsByMessageId(c, messageId)).at(0);
  return uid === undefined ? undefined : { uid, messageId };
}

/** UIDs (ascending) in the selected folder whose Message-ID is exactly `messageId`. */
async function uidsByMessageId(c: ImapFlow, messageId: string): Promise<number[]> {
  const candidates = await c.search({ header: { 'message-id': messageId } }, { uid: true });
  if (candidates === false) throw new TransientError('IMAP_ERROR', 'SEARCH by Message-ID failed');
  if (!candidates || candidates.length === 0) return [];
  // HEADER search matches substrings; keep exact matches only.
  const rows = await c.fetchAll(candidates, { uid: true, envelope: true }, { uid: true });
  const wanted = bareMessageId(messageId);
  return rows.filter((m) => bareMessageId(m.envelope?.messageId ?? '') === wanted).map((m) => m.uid).sort((a, b) => a - b);
}

/** Message-IDs compare without their angle brackets: ENVELOPE has them, the ledger does not. */
function bareMessageId(id: string): string {
  return withoutAngleBrackets(id);
}

async function moveFailure(c: ImapFlow, target: string, targetFolder: string): Promise<Error> {
  const exists = (await c.list()).some((m) => sameServerPath(m.path, target));
  return exists
    ? new TransientError('IMAP_MOVE_FAILED', `the server refused to move the mail to "${targetFolder}"`)
    : new PermanentError('IMAP_NO_FOLDER', `target folder "${targetFolder}" does not exist`);
}

// ---------- small helpers ----------

async function statusUidValidity(c: ImapFlow, path: string): Promise<bigint | undefined> {
  const status = await c.status(path, { uidValidity: true });
  return status ? status.uidValidity : undefined;
}

function imapRef(ref: SourceRef): ImapRef {
  const parsed = SourceRef.safeParse(ref);
  if (!parsed.success || parsed.data.protocol !== 'imap') {
    throw new PermanentError('IMAP_BAD_REF', `not an IMAP source ref: ${parsed.success ? `protocol ${parsed.data.protocol}` : parsed.error.issues[0]?.path.join('.')}`);
  }
  return parsed.data;
}

function assertSameUidValidity(src: ImapRef, box: MailboxObject): void {
  if (box.uidValidity.toString() !== src.uidValidity) throw staleRef(src, box);
}

function staleRef(src: ImapRef, box: MailboxObject): PermanentError {
  return new PermanentError(
    'IMAP_STALE_REF',
    `"${src.folder}" has UIDVALIDITY ${box.uidValidity} now, the ref has ${src.uidValidity}: uid ${src.uid} no longer names the same mail (the next sync lists the folder again)`,
  );
}

function noMessage(src: ImapRef, more?: string): PermanentError {
  return new PermanentError('IMAP_NO_MESSAGE', `no mail with uid ${src.uid} in "${src.folder}"${more ? ` ${more}` : ''}`);
}

function toDate(value: Date | string | undefined): Date | undefined {
  if (value === undefined) return undefined;
  const d = value instanceof Date ? value : new Date(value);
  return Number.isNaN(d.getTime()) ? undefined : d;
}
