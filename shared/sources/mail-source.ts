import type { Readable } from 'node:stream';
import type { SourceRef } from '../queue/contracts';

/**
 * The one seam between the pipeline and a mailbox. Two implementations:
 * `imap.ts` (imapflow) and `graph.ts` (Microsoft Graph).
 *
 * Errors: throw `TransientError` when a retry can help (network, 429/503, timeout),
 * `PermanentError` when not (auth rejected, folder missing). See shared/errors.ts.
 */
export interface ListedMail {
  ref: SourceRef;
  internetMessageId?: string;
  /** Graph only: the message's conversation. */
  conversationId?: string;
  receivedAt?: string;
}

/** Opaque per-folder sync position (IMAP: uidValidity + lastUid; Graph: delta link). */
export type FolderCursor = Record<string, unknown>;

export interface ListResult {
  mails: ListedMail[];
  /** Store this and pass it to the next `listNew` of the same folder. */
  cursor: FolderCursor;
  /** The previous cursor was no longer valid (UIDVALIDITY change, expired delta link): this is a full resync. */
  resynced: boolean;
}

export interface MoveOptions {
  internetMessageId?: string;
}

export interface MailSource {
  /**
   * Mail in `folder` that is new since `cursor`. With no cursor, establishes the
   * starting position: when `since` is given, mail received at or after it is
   * listed; otherwise nothing existing is listed (only mail arriving afterwards).
   */
  listNew(folder: string, cursor: FolderCursor | undefined, options?: { since?: Date }): Promise<ListResult>;
  /** The raw RFC 822 bytes, without marking the mail read. */
  fetchRaw(ref: SourceRef): Promise<Buffer>;
  /**
   * The raw RFC 822 bytes as a stream, handed to `consume` (the mail stays unread): a large
   * mail is never held whole. The stream is valid only until `consume` settles (an IMAP
   * download holds the folder's lock meanwhile). Optional: the pipeline falls back to `fetchRaw`.
   */
  streamRaw?<T>(ref: SourceRef, consume: (body: Readable) => Promise<T>): Promise<T>;
  /**
   * Moves the mail; returns its ref in the target folder. Moving a mail that is already there is not an error.
   * Pass the mail's Message-ID when known (the ledger has it): an IMAP UID does not survive a move, so a
   * retry after a crash between the move and recording it finds the mail in the target by its Message-ID.
   */
  move(ref: SourceRef, targetFolder: string, options?: MoveOptions): Promise<SourceRef>;
  /** Creates the folders that do not exist yet. */
  ensureFolders(folders: string[]): Promise<void>;
  close(): Promise<void>;
}

/**
 * Error codes that mean "nothing is at that ref any more" (moved or deleted by someone
 * else, or a UIDVALIDITY change that makes the next sync list the mail again under a new
 * ref). A queued message for such a ref has nothing left to do.
 */
export const SOURCE_GONE_CODES: ReadonlySet<string> = new Set(['IMAP_NO_MESSAGE', 'IMAP_STALE_REF', 'GRAPH_NOT_FOUND']);
