import { z } from 'zod';
import type { FolderCursor } from './mail-source';
import { PermanentError } from '../errors';

/**
 * The IMAP sync position of one folder, and the pure decisions built on it: what to
 * list now and where the next sync starts. No I/O here.
 */
export const ImapCursor = z.object({
  /** UIDVALIDITY the UIDs below belong to, as a decimal string (it does not fit JSON numbers safely). */
  uidValidity: z.string().regex(/^\d+$/),
  /** Highest UID already listed (or skipped on purpose); the next sync lists UIDs above it. */
  lastUid: z.number().int().min(0),
});
export type ImapCursor = z.infer<typeof ImapCursor>;

/** Reads a stored cursor; a cursor of another shape is a bug upstream, not something to guess around. */
export function parseImapCursor(cursor: FolderCursor | undefined): ImapCursor | undefined {
  if (cursor === undefined) return undefined;
  const parsed = ImapCursor.safeParse(cursor);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new PermanentError('IMAP_BAD_CURSOR', `IMAP folder cursor is invalid at ${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'unknown'}`);
  }
  return parsed.data;
}

/** What the server said about the selected folder. */
export interface FolderState {
  uidValidity: string;
  uidNext: number;
}

export type ListingPlan =
  /** First sync without a start date: existing mail stays unlisted ("only mail from now on"). */
  | { kind: 'nothing'; resynced: false }
  /** List UIDs from `fromUid` up; with `since`, only mail whose INTERNALDATE is at or after it. */
  | { kind: 'uids'; fromUid: number; since?: Date; resynced: boolean };

export function planListing(cursor: ImapCursor | undefined, folder: FolderState, since?: Date): ListingPlan {
  if (!cursor) return since ? { kind: 'uids', fromUid: 1, since, resynced: false } : { kind: 'nothing', resynced: false };
  if (cursor.uidValidity !== folder.uidValidity) {
    // The UIDs we knew mean nothing any more: list the folder again; the ledger drops what was processed.
    return { kind: 'uids', fromUid: 1, since, resynced: true };
  }
  if (folder.uidNext - 1 <= cursor.lastUid) return { kind: 'nothing', resynced: false };
  return { kind: 'uids', fromUid: cursor.lastUid + 1, resynced: false };
}

/**
 * Where the next sync starts. Every UID below UIDNEXT (as seen at SELECT) was either
 * listed now or deliberately skipped, so the position is at least UIDNEXT-1; mail that
 * arrived during the listing and was already listed moves it further.
 */
export function nextCursor(cursor: ImapCursor | undefined, folder: FolderState, listedUids: number[]): ImapCursor {
  const kept = cursor && cursor.uidValidity === folder.uidValidity ? cursor.lastUid : 0;
  return { uidValidity: folder.uidValidity, lastUid: Math.max(kept, folder.uidNext - 1, ...listedUids) };
}

/**
 * IMAP `SEARCH SINCE` compares dates only, in the server's time zone: ask for one day
 * earlier and filter by the exact INTERNALDATE afterwards.
 */
export function searchSinceDate(since: Date): Date {
  return new Date(since.getTime() - 24 * 60 * 60 * 1000);
}
