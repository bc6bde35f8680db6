/**
 * Cosmos DB containers and blob containers the app uses, with their partition keys.
 * The infra (infra/) and the local stack create exactly these; a test checks both.
 *
 * Note for queries: the local emulator ignores the `partitionKey` query option, so
 * every query filters on the partition key in its WHERE clause.
 */
export const CosmosContainers = {
  /** Mail channels; pk /id. */
  channels: { id: 'channels', partitionKey: '/id' },
  /** Ticket templates; pk /id. */
  templates: { id: 'templates', partitionKey: '/id' },
  /** Offers (catalogue entries, silent ones included); pk /id. */
  offers: { id: 'offers', partitionKey: '/id' },
  /** Tickets and their notes (docs with `type: 'ticket' | 'note'`); pk /ticketId. */
  tickets: { id: 'tickets', partitionKey: '/ticketId' },
  /** One record per mail per channel: its fate; pk /channelId. */
  ledger: { id: 'ledger', partitionKey: '/channelId' },
  /** Per channel and folder: IMAP UIDVALIDITY/last UID, Graph delta link; pk /channelId. */
  syncState: { id: 'syncState', partitionKey: '/channelId' },
  /**
   * The sync scheduler's due-time entries, one per published channel, all in the one partition
   * `~sync-schedule` (store/sync-schedule.ts); pk /channelId. A container of their own: one
   * claim per channel-minute would otherwise share syncState's throughput (serverless: 5,000 RU/s
   * per container) with every sync's folder-state writes.
   */
  syncSchedule: { id: 'syncSchedule', partitionKey: '/channelId' },
  /** Message-IDs and Graph conversationIds → their ticket, id = hash of the key (point reads); pk /channelId. */
  threadIndex: { id: 'threadIndex', partitionKey: '/channelId' },
  /** One record per mail to send (id = outbox key): what, to whom, and how far it got; pk /channelId. */
  outbox: { id: 'outbox', partitionKey: '/channelId' },
  /** Automatic answers per channel and sender in the last hour (the rate limit's memory); items expire by `ttl`; pk /channelId. */
  answerCounters: { id: 'answerCounters', partitionKey: '/channelId', defaultTtl: -1 },
  /** Per channel and clock hour: finished mails by outcome, reasons, duplicates, a latency histogram (the stats answer reads these, not the ledger); pk /channelId. */
  channelStats: { id: 'channelStats', partitionKey: '/channelId' },
} as const;
export type CosmosContainerName = keyof typeof CosmosContainers;

export const BlobContainers = {
  /** Raw MIME of every mail, for audit, retry and dry run. */
  rawMail: 'raw-mail',
  /** Ticket and note attachments. */
  attachments: 'attachments',
} as const;
