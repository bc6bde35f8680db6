import type { ChannelRecord } from '../config/channel';
import type { ChannelNotifications } from '../notifications/status';
import type { LedgerStats } from '../store/ledger';
import type { ChannelSyncState } from '../store/sync-state';
import type { OutcomeSeries } from './stats-series';

/** What `GET /api/channels/{id}/stats` answers (mail-operations.ts), and what the admin page reads of it. */
export type ChannelStatsView = LedgerStats & {
  channelId: string;
  status: ChannelRecord['status'];
  /** When the scheduler last asked for a sync, the last sync and its error. */
  sync: Pick<ChannelSyncState, 'lastRequestedAt' | 'lastSyncedAt' | 'lastError'>;
  /** A Microsoft 365 channel's change notifications (absent for IMAP). */
  notifications?: ChannelNotifications;
  /** With `bucketMinutes`. */
  series?: OutcomeSeries;
};
