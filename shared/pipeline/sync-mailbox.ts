import type { ChannelRecord } from '../config/channel';
import type { MailboxSyncMessage, MailInboundMessage } from '../queue/contracts';
import type { FolderCursor, MailSource } from '../sources/mail-source';
import type { FolderSyncState } from '../store/sync-state';

/**
 * syncMailbox: list the new mail of one channel's folders and enqueue one
 * `mail-inbound` message per mail, then store the folder's new position.
 *
 * Enqueue happens before the position is saved: a crash in between lists the same
 * mail again, and the ledger drops the repeats. Nothing is lost; nothing doubles.
 *
 * Which mail counts as new on the first sync of a folder: by default mail received
 * after the channel was published; with `import.mode = since`, mail since that date
 * (such imported mail is flagged and never auto-answered).
 */
export interface SyncDeps {
  loadChannel(id: string): Promise<ChannelRecord | undefined>;
  openSource(channel: ChannelRecord): Promise<MailSource>;
  readFolderState(channelId: string, folder: string): Promise<FolderSyncState | undefined>;
  writeFolderState(state: { channelId: string; folder: string; cursor: FolderCursor; lastListed: number; resyncs: number }): Promise<void>;
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
      const state = msg.fullResync ? undefined : await deps.readFolderState(channel.id, folder);
      const since = syncStart(channel);
      const listing = await source.listNew(folder, state?.cursor, state?.cursor ? undefined : { since });
      const enqueuedAt = deps.now().toISOString();
      await deps.enqueueMail(
        listing.mails.map((m) => ({
          channelId: channel.id,
          source: m.ref,
          internetMessageId: m.internetMessageId,
          receivedAt: m.receivedAt,
          enqueuedAt,
          imported: isImported(channel, m.receivedAt),
        })),
      );
      const resynced = listing.resynced || msg.fullResync;
      await deps.writeFolderState({
        channelId: channel.id,
        folder,
        cursor: listing.cursor,
        lastListed: listing.mails.length,
        resyncs: (state?.resyncs ?? 0) + (resynced ? 1 : 0),
      });
      if (resynced) deps.log('folder resynced from scratch; the ledger drops mail already processed', { channelId: channel.id, folder });
      report.folders.push({ folder, listed: listing.mails.length, resynced });
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
