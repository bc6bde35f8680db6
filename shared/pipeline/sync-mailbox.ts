import type { ChannelRecord } from '../config/channel';
import type { MailboxSyncMessage, MailInboundMessage } from '../queue/contracts';
import type { FolderCursor, MailSource } from '../sources/mail-source';
import type { FolderLease, FolderSyncState } from '../store/sync-state';

/**
 * syncMailbox: list the new mail of one channel's folders and enqueue one
 * `mail-inbound` message per mail, then store the folder's new position.
 *
 * Enqueue happens before the position is saved: a crash in between lists the same
 * mail again, and the ledger drops the repeats. Nothing is lost; nothing doubles.
 *
 * One sync per folder at a time: the timer, a notification and "sync now" can ask at the
 * same moment, and two listings from the same position would queue every mail twice.
 * A sync claims a lease on the folder's sync state first (ETag-guarded, expiring so a
 * crashed holder does not block for good); a sync that finds it held skips the folder
 * and leaves a mark, and the holder lists once more before letting go, so mail that
 * arrived during its listing is not left for the next timer tick.
 *
 * Which mail counts as new on the first sync of a folder: by default mail received
 * after the channel was published; with `import.mode = since`, mail since that date
 * (such imported mail is flagged and never auto-answered).
 */
/**
 * How long a folder's sync lease lasts: far longer than a listing takes (one FETCH of
 * envelopes and the enqueues), short enough that a crashed sync holds the folder up
 * only for a few timer ticks.
 */
export const FOLDER_LEASE_MS = 5 * 60_000;

export interface SyncDeps {
  loadChannel(id: string): Promise<ChannelRecord | undefined>;
  openSource(channel: ChannelRecord): Promise<MailSource>;
  /** The folder's lease and stored position; undefined while another sync holds it. */
  claimFolder(channelId: string, folder: string): Promise<FolderLease | undefined>;
  /**
   * Stores the new position (none: keep the old one) and ends the lease: `released`; `lost`
   * when it expired and another sync took it; a renewed lease when another sync asked for a
   * listing meanwhile (and `listAgain`), to list once more.
   */
  completeFolder(lease: FolderLease, next?: Pick<FolderSyncState, 'lastListed' | 'resyncs'> & { cursor: FolderCursor }, listAgain?: boolean): Promise<'released' | 'lost' | FolderLease>;
  enqueueMail(messages: MailInboundMessage[]): Promise<void>;
  markSynced(channelId: string, at: string, error?: { code: string; message: string }): Promise<void>;
  /** Whether a sync of the channel has ever completed. */
  hasSynced(channelId: string): Promise<boolean>;
  now(): Date;
  log(message: string, props?: Record<string, unknown>): void;
}

export interface SyncReport {
  channelId: string;
  skipped?: string;
  folders: { folder: string; listed: number; resynced: boolean }[];
  /** Folders another sync was listing at the time (left to it). */
  busy?: string[];
}

/**
 * The instant before which mail is "old" for this channel, rounded down to the whole
 * second: mailbox receive times (IMAP INTERNALDATE) have second granularity, and a mail
 * that arrived in the same second as the publish must not be lost.
 */
export function syncStart(channel: ChannelRecord): Date | undefined {
  const at = channel.import.mode === 'since' && channel.import.since ? channel.import.since : channel.publishedAt;
  return at ? new Date(Math.floor(Date.parse(at) / 1000) * 1000) : undefined;
}

/** Mail received before the publish (to the second) was imported, not newly arrived. */
export function isImported(channel: ChannelRecord, receivedAt: string | undefined): boolean {
  if (!receivedAt || !channel.publishedAt) return false;
  return Date.parse(receivedAt) < Math.floor(Date.parse(channel.publishedAt) / 1000) * 1000;
}

export function foldersToRead(channel: ChannelRecord, only?: string): string[] {
  const excl = channel.folders.exclusion?.toLowerCase();
  const wanted = only ? [only] : channel.folders.read;
  return wanted.filter((f) => f.toLowerCase() !== excl);
}

export async function syncMailbox(msg: MailboxSyncMessage, deps: SyncDeps): Promise<SyncReport> {
  const channel = await deps.loadChannel(msg.channelId);
  if (!channel) return { channelId: msg.channelId, skipped: 'channel not found', folders: [] };
  if (channel.status !== 'published') return { channelId: channel.id, skipped: `channel is ${channel.status}`, folders: [] };

  const source = await deps.openSource(channel);
  const report: SyncReport = { channelId: channel.id, folders: [] };
  try {
    // On publish (and on the first sync of a channel) the success and fail folders are
    // created, so the first move never fails for a missing folder.
    if (msg.reason === 'publish' || !(await deps.hasSynced(channel.id))) {
      await source.ensureFolders([channel.folders.success, channel.folders.fail]);
    }
    for (const folder of foldersToRead(channel, msg.folder)) {
      const lease = await deps.claimFolder(channel.id, folder);
      if (!lease) {
        deps.log('another sync is listing this folder; skipped', { channelId: channel.id, folder, reason: msg.reason });
        (report.busy ??= []).push(folder);
        continue;
      }
      try {
        report.folders.push(await listFolder(msg, channel, folder, lease, source, deps));
      } catch (err) {
        await deps.completeFolder(lease, undefined, false).catch(() => undefined);
        throw err;
      }
    }
    await deps.markSynced(channel.id, deps.now().toISOString());
  } catch (err) {
    const e = err as { code?: string; message?: string };
    await deps.markSynced(channel.id, deps.now().toISOString(), { code: String(e.code ?? 'SYNC_FAILED'), message: String(e.message ?? err) }).catch(() => undefined);
    throw err;
  } finally {
    await source.close().catch(() => undefined);
  }
  return report;
}

/** Listings of one folder per sync at most: requests keep coming faster than that, and the next sync takes over. */
const MAX_PASSES = 3;

/** Lists one leased folder, enqueues what is new, stores the new position and ends the lease (listing again when asked meanwhile). */
async function listFolder(msg: MailboxSyncMessage, channel: ChannelRecord, folder: string, first: FolderLease, source: MailSource, deps: SyncDeps): Promise<SyncReport['folders'][number]> {
  let lease = first;
  let listed = 0;
  let resynced = false;
  for (let pass = 1; ; pass++) {
    const state = msg.fullResync && pass === 1 ? undefined : lease.state;
    // taken before listing: a message is never younger than what its listing saw (see isOwnCopy)
    const enqueuedAt = deps.now().toISOString();
    const listing = await source.listNew(folder, state?.cursor, state?.cursor ? undefined : { since: syncStart(channel) });
    await deps.enqueueMail(
      listing.mails.map((m) => ({
        channelId: channel.id,
        source: m.ref,
        internetMessageId: m.internetMessageId,
        ...(m.conversationId ? { conversationId: m.conversationId } : {}),
        receivedAt: m.receivedAt,
        enqueuedAt,
        imported: isImported(channel, m.receivedAt),
      })),
    );
    const resyncedNow = listing.resynced || (msg.fullResync && pass === 1);
    resynced ||= resyncedNow;
    listed += listing.mails.length;
    if (resyncedNow) deps.log('folder resynced from scratch; the ledger drops mail already processed', { channelId: channel.id, folder });
    const next = { cursor: listing.cursor, lastListed: listing.mails.length, resyncs: (lease.state.resyncs ?? 0) + (resyncedNow ? 1 : 0) };
    const outcome = await deps.completeFolder(lease, next, pass < MAX_PASSES);
    if (outcome === 'lost') deps.log('the folder lease expired during the listing; another sync owns the position now', { channelId: channel.id, folder });
    if (typeof outcome === 'string') break;
    lease = outcome;
  }
  return { folder, listed, resynced };
}
