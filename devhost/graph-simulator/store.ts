import { randomBytes } from 'node:crypto';
import type { MessageMeta } from './mime';
import { GraphHttpError } from './http-util';

/**
 * The simulator's mailboxes: folders, messages as raw MIME plus the properties derived from
 * it, and the change log that delta queries read.
 *
 * Ids behave like Exchange's: every message has an immutable id (what a client sees with
 * `Prefer: IdType="ImmutableId"`) and a REST id that changes whenever the message moves.
 * Both forms are accepted on input; an outdated REST id is not found (404).
 */

/** Well-known folder names Graph accepts in place of an id, with their display names. */
export const WELL_KNOWN_FOLDERS: Record<string, string> = {
  msgfolderroot: 'Top of Information Store',
  inbox: 'Inbox',
  archive: 'Archive',
  drafts: 'Drafts',
  sentitems: 'Sent Items',
  deleteditems: 'Deleted Items',
  junkemail: 'Junk Email',
  outbox: 'Outbox',
};

export interface FolderState {
  id: string;
  displayName: string;
  parentFolderId: string;
  wellKnownName?: string;
  isHidden: boolean;
}

export interface MessageState {
  immutableId: string;
  restId: string;
  folderId: string;
  raw: Buffer;
  meta: MessageMeta;
  receivedDateTime: string;
  createdDateTime: string;
  lastModifiedDateTime: string;
  changeKey: string;
  isRead: boolean;
  /** Sequence number at which it arrived in its current folder (a move counts as arriving). */
  addedSeq: number;
  /** Sequence number of its last change (arrival or property update). */
  changedSeq: number;
}

interface Tombstone {
  folderId: string;
  seq: number;
  immutableId: string;
  restId: string;
}

export type DeltaEntry = { kind: 'upsert'; immutableId: string } | { kind: 'removed'; immutableId: string; restId: string };

export type DeltaChangeType = 'created' | 'updated' | 'deleted';

export interface ReceivedFilter {
  op: 'ge' | 'gt';
  at: number;
}

function opaqueId(prefix: string): string {
  return prefix + randomBytes(33).toString('base64url');
}

function isoSeconds(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export class MailboxState {
  readonly folders = new Map<string, FolderState>();
  readonly messages = new Map<string, MessageState>();
  private readonly byRestId = new Map<string, string>();
  private readonly tombstones: Tombstone[] = [];
  /** Monotonic change counter of this mailbox. */
  seq = 0;
  readonly rootId: string;

  constructor(readonly address: string) {
    this.rootId = opaqueId('AAMkAGRoot');
    this.folders.set(this.rootId, { id: this.rootId, displayName: WELL_KNOWN_FOLDERS.msgfolderroot ?? 'Root', parentFolderId: opaqueId('AAMkAGIpm'), wellKnownName: 'msgfolderroot', isHidden: false });
    for (const [wk, name] of Object.entries(WELL_KNOWN_FOLDERS)) {
      if (wk === 'msgfolderroot') continue;
      const id = opaqueId('AAMkAGFolder');
      this.folders.set(id, { id, displayName: name, parentFolderId: this.rootId, wellKnownName: wk, isHidden: false });
    }
  }

  /** A folder by id or well-known name (case-insensitive, as Graph). */
  folder(idOrName: string): FolderState | undefined {
    const direct = this.folders.get(idOrName);
    if (direct) return direct;
    const wk = idOrName.toLowerCase();
    for (const f of this.folders.values()) if (f.wellKnownName === wk) return f;
    return undefined;
  }

  requireFolder(idOrName: string): FolderState {
    const f = this.folder(idOrName);
    if (!f) throw new GraphHttpError(404, 'ErrorItemNotFound', 'The specified object was not found in the store.');
    return f;
  }

  /** A folder by a path of display names under the root ("Processed", "Archive/2024"). */
  folderByPath(path: string): FolderState | undefined {
    const wk = this.folder(path);
    if (wk) return wk;
    let parent = this.rootId;
    let found: FolderState | undefined;
    for (const name of path.split('/')) {
      found = this.children(parent).find((f) => f.displayName.toLowerCase() === name.toLowerCase());
      if (!found) return undefined;
      parent = found.id;
    }
    return found;
  }

  children(parentId: string): FolderState[] {
    return [...this.folders.values()].filter((f) => f.parentFolderId === parentId);
  }

  createFolder(parentId: string, displayName: string, isHidden = false): FolderState {
    const parent = this.requireFolder(parentId);
    if (this.children(parent.id).some((f) => f.displayName.toLowerCase() === displayName.toLowerCase())) {
      throw new GraphHttpError(409, 'ErrorFolderExists', 'A folder with the specified name already exists.');
    }
    const id = opaqueId('AAMkAGFolder');
    const folder: FolderState = { id, displayName, parentFolderId: parent.id, isHidden };
    this.folders.set(id, folder);
    return folder;
  }

  /** Creates every missing folder of a display-name path; returns the last. */
  ensureFolderPath(path: string): FolderState {
    const existing = this.folderByPath(path);
    if (existing) return existing;
    let parent = this.rootId;
    let current: FolderState | undefined;
    for (const name of path.split('/')) {
      current = this.children(parent).find((f) => f.displayName.toLowerCase() === name.toLowerCase()) ?? this.createFolder(parent, name);
      parent = current.id;
    }
    if (!current) throw new Error(`empty folder path "${path}"`);
    return current;
  }

  /** A message by immutable id or current REST id. */
  message(id: string): MessageState | undefined {
    return this.messages.get(id) ?? this.messages.get(this.byRestId.get(id) ?? '');
  }

  requireMessage(id: string): MessageState {
    const m = this.message(id);
    if (!m) throw new GraphHttpError(404, 'ErrorItemNotFound', 'The specified object was not found in the store.');
    return m;
  }

  addMessage(folderId: string, raw: Buffer, meta: MessageMeta, receivedAt: Date, isRead = false): MessageState {
    const folder = this.requireFolder(folderId);
    const seq = ++this.seq;
    const now = isoSeconds(new Date());
    const msg: MessageState = {
      immutableId: opaqueId('AAkALgAAAAAAHYQDEapmEc2byACqAC-EWg0A'),
      restId: opaqueId('AAMkAGI2TAAA'),
      folderId: folder.id,
      raw,
      meta,
      receivedDateTime: isoSeconds(receivedAt),
      createdDateTime: isoSeconds(receivedAt),
      lastModifiedDateTime: now,
      changeKey: randomBytes(12).toString('base64'),
      isRead,
      addedSeq: seq,
      changedSeq: seq,
    };
    this.messages.set(msg.immutableId, msg);
    this.byRestId.set(msg.restId, msg.immutableId);
    return msg;
  }

  /** Moves a message: the old folder records a removal, the message gets a new REST id. */
  moveMessage(msg: MessageState, destinationId: string): MessageState {
    const dest = this.requireFolder(destinationId);
    if (dest.id === msg.folderId) return msg;
    this.tombstones.push({ folderId: msg.folderId, seq: ++this.seq, immutableId: msg.immutableId, restId: msg.restId });
    this.byRestId.delete(msg.restId);
    msg.restId = opaqueId('AAMkAGI2TAAA');
    this.byRestId.set(msg.restId, msg.immutableId);
    msg.folderId = dest.id;
    msg.addedSeq = ++this.seq;
    msg.changedSeq = msg.addedSeq;
    msg.lastModifiedDateTime = isoSeconds(new Date());
    msg.changeKey = randomBytes(12).toString('base64');
    return msg;
  }

  deleteMessage(msg: MessageState): void {
    this.tombstones.push({ folderId: msg.folderId, seq: ++this.seq, immutableId: msg.immutableId, restId: msg.restId });
    this.byRestId.delete(msg.restId);
    this.messages.delete(msg.immutableId);
  }

  /** Marks read/unread: an "updated" change in delta. */
  setRead(msg: MessageState, isRead: boolean): void {
    msg.isRead = isRead;
    msg.changedSeq = ++this.seq;
    msg.lastModifiedDateTime = isoSeconds(new Date());
  }

  messagesIn(folderId: string): MessageState[] {
    return [...this.messages.values()].filter((m) => m.folderId === folderId).sort((a, b) => a.addedSeq - b.addedSeq);
  }

  /**
   * The changes of one folder in (sinceSeq, untilSeq]: with no `sinceSeq` (an initial round)
   * every message now in the folder and no removals, as Graph's first delta round.
   */
  deltaEntries(folderId: string, sinceSeq: number | undefined, untilSeq: number, changeType: DeltaChangeType | undefined, filter: ReceivedFilter | undefined): DeltaEntry[] {
    const passes = (m: MessageState) => {
      if (!filter) return true;
      const t = Date.parse(m.receivedDateTime);
      return filter.op === 'ge' ? t >= filter.at : t > filter.at;
    };
    const out: DeltaEntry[] = [];
    for (const m of this.messagesIn(folderId)) {
      if (m.changedSeq > untilSeq || !passes(m)) continue;
      if (sinceSeq === undefined) {
        out.push({ kind: 'upsert', immutableId: m.immutableId });
        continue;
      }
      if (m.changedSeq <= sinceSeq) continue;
      const created = m.addedSeq > sinceSeq;
      if (changeType === 'created' && !created) continue;
      if (changeType === 'updated' && created) continue;
      if (changeType === 'deleted') continue;
      out.push({ kind: 'upsert', immutableId: m.immutableId });
    }
    if (sinceSeq !== undefined && (changeType === undefined || changeType === 'deleted')) {
      for (const t of this.tombstones) {
        if (t.folderId === folderId && t.seq > sinceSeq && t.seq <= untilSeq) out.push({ kind: 'removed', immutableId: t.immutableId, restId: t.restId });
      }
    }
    return out;
  }
}
