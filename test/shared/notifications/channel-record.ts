import { ChannelRecord } from '../../../shared/config/channel';

export interface ChannelRecordOptions {
  id?: string;
  status?: 'draft' | 'published' | 'paused';
  protocol?: 'graph' | 'imap';
  read?: string[];
  exclusion?: string;
  username?: string;
  pollIntervalSeconds?: number;
  /** Its creation, change and publication time. */
  at?: Date;
}

/** A channel record as the notification tests need it: Microsoft Graph (app credentials) unless `protocol: 'imap'`. */
export function channelRecord(over: ChannelRecordOptions = {}): ChannelRecord {
  const at = (over.at ?? new Date()).toISOString();
  const auth = { type: 'oauth', tenantId: 't', clientId: 'c', clientSecret: { ref: 'r', updatedAt: at } };
  return ChannelRecord.parse({
    id: over.id ?? 'ch-1',
    status: over.status ?? 'published',
    name: over.id ?? 'Desk',
    connection:
      over.protocol === 'imap'
        ? { protocol: 'imap', host: 'imap.example', username: 'desk@example.com', auth: { type: 'password', password: { ref: 'p', updatedAt: at } } }
        : { protocol: 'graph', username: over.username ?? 'desk@contoso.example', auth, ...(over.pollIntervalSeconds ? { pollIntervalSeconds: over.pollIntervalSeconds } : {}) },
    folders: { read: over.read ?? ['Inbox'], ...(over.exclusion ? { exclusion: over.exclusion } : {}) },
    ticketMapping: { templateId: 'tpl' },
    createdAt: at,
    createdBy: 't',
    updatedAt: at,
    updatedBy: 't',
    publishedAt: at,
  });
}
