import type { ChannelRecord } from '../config/channel';
import type { MailboxSyncMessage } from '../queue/contracts';

/**
 * scheduleSync (timer, every minute): one `mailbox-sync` job per published channel
 * whose polling interval has passed since its last request. Pure `dueChannels` decides;
 * the function does the I/O.
 */
export interface ScheduleDeps {
  listPublishedChannels(): Promise<ChannelRecord[]>;
  lastRequestedAt(channelId: string): Promise<string | undefined>;
  markRequested(channelId: string, at: string): Promise<void>;
  enqueueSync(message: MailboxSyncMessage): Promise<void>;
  now(): Date;
}

/** A few seconds of slack so a 60 s interval is not skipped by timer jitter. */
const SLACK_MS = 5_000;

export function isDue(channel: ChannelRecord, lastRequestedAt: string | undefined, now: Date): boolean {
  if (channel.status !== 'published') return false;
  if (!lastRequestedAt) return true;
  const last = Date.parse(lastRequestedAt);
  return Number.isNaN(last) || now.getTime() - last >= channel.connection.pollIntervalSeconds * 1000 - SLACK_MS;
}

export async function scheduleSync(deps: ScheduleDeps): Promise<string[]> {
  const now = deps.now();
  const due: string[] = [];
  for (const channel of await deps.listPublishedChannels()) {
    if (!isDue(channel, await deps.lastRequestedAt(channel.id), now)) continue;
    await deps.enqueueSync({ channelId: channel.id, reason: 'schedule', fullResync: false, requestedAt: now.toISOString() });
    await deps.markRequested(channel.id, now.toISOString());
    due.push(channel.id);
  }
  return due;
}
