import { PermanentError } from '../../shared/errors';
import type { SourceRef } from '../../shared/queue/contracts';
import type { FolderCursor, ListResult, MailSource, MoveOptions } from '../../shared/sources/mail-source';

/**
 * An IMAP-like mailbox in memory, for tests that run the pipeline thousands of times:
 * folders of mail with UIDs, listing from a `{ uidValidity, lastUid }` cursor, and a MOVE
 * that behaves as `shared/sources/imap.ts` does (a mail no longer in the source is looked
 * up in the target by its Message-ID; otherwise `IMAP_NO_MESSAGE`). Every operation first
 * awaits `pause()`, so a seeded pause shuffles the interleaving of concurrent callers.
 */
export interface MemoryMail {
  uid: number;
  raw: Buffer;
  messageId?: string;
  receivedAt: string;
}

const UID_VALIDITY = '1';

/** Message-IDs compare without angle brackets (ENVELOPE has them, the ledger does not). */
const bare = (id: string) => id.trim().replace(/^<+/, '').replace(/>+$/, '');

export class MemoryMailbox {
  private readonly folders = new Map<string, MemoryMail[]>();
  private nextUid = 1;
  /** Work done, for tests that count instead of timing. */
  readonly calls = { listNew: 0, fetchRaw: 0, move: 0 };

  constructor(private readonly pause: () => Promise<void> = async () => undefined) {}

  append(folder: string, raw: Buffer, messageId?: string, receivedAt = new Date()): SourceRef {
    const mail = { uid: this.nextUid++, raw, messageId, receivedAt: receivedAt.toISOString() };
    this.box(folder).push(mail);
    return this.refOf(folder, mail);
  }

  list(folder: string): MemoryMail[] {
    return [...this.box(folder)];
  }

  source(): MailSource {
    return {
      listNew: (folder, cursor, options) => this.listNew(folder, cursor, options),
      fetchRaw: (ref) => this.fetchRaw(ref),
      move: (ref, target, options) => this.move(ref, target, options),
      ensureFolders: async (folders) => {
        await this.pause();
        for (const f of folders) this.box(f);
      },
      close: async () => undefined,
    };
  }

  private box(folder: string): MemoryMail[] {
    const key = folder.toLowerCase();
    let box = this.folders.get(key);
    if (!box) this.folders.set(key, (box = []));
    return box;
  }

  private refOf(folder: string, m: MemoryMail): SourceRef {
    return { protocol: 'imap', folder, uidValidity: UID_VALIDITY, uid: m.uid };
  }

  private async listNew(folder: string, cursor: FolderCursor | undefined, options?: { since?: Date }): Promise<ListResult> {
    this.calls.listNew++;
    await this.pause();
    const box = this.box(folder);
    const lastUid = typeof cursor?.lastUid === 'number' ? cursor.lastUid : undefined;
    const since = options?.since?.getTime();
    const mails = box.filter((m) => (lastUid !== undefined ? m.uid > lastUid : since !== undefined && Date.parse(m.receivedAt) >= since));
    const top = Math.max(lastUid ?? 0, ...box.map((m) => m.uid));
    return {
      mails: mails.map((m) => ({ ref: this.refOf(folder, m), internetMessageId: m.messageId, receivedAt: m.receivedAt })),
      cursor: { uidValidity: UID_VALIDITY, lastUid: top },
      resynced: false,
    };
  }

  private async fetchRaw(ref: SourceRef): Promise<Buffer> {
    this.calls.fetchRaw++;
    await this.pause();
    const mail = this.box(ref.folder).find((m) => ref.protocol === 'imap' && m.uid === ref.uid);
    if (!mail) throw new PermanentError('IMAP_NO_MESSAGE', `no mail with uid ${String((ref as { uid?: number }).uid)} in "${ref.folder}"`);
    return mail.raw;
  }

  private async move(ref: SourceRef, target: string, options: MoveOptions = {}): Promise<SourceRef> {
    this.calls.move++;
    await this.pause();
    if (ref.folder.toLowerCase() === target.toLowerCase()) return ref;
    const from = this.box(ref.folder);
    const i = from.findIndex((m) => ref.protocol === 'imap' && m.uid === ref.uid);
    if (i >= 0) {
      const [mail] = from.splice(i, 1);
      const moved = { ...mail!, uid: this.nextUid++ };
      this.box(target).push(moved);
      return this.refOf(target, moved);
    }
    const wanted = options.internetMessageId && bare(options.internetMessageId);
    const there = wanted ? this.box(target).filter((m) => m.messageId !== undefined && bare(m.messageId) === wanted).at(-1) : undefined;
    if (!there) throw new PermanentError('IMAP_NO_MESSAGE', `no mail with uid ${String((ref as { uid?: number }).uid)} in "${ref.folder}", and it is not in "${target}" either`);
    return this.refOf(target, there);
  }
}
