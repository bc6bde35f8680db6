import { z } from 'zod';

/**
 * Queue names and the zod-validated contracts of their messages.
 *
 * Messages are JSON, base64-encoded on the wire, because the Functions host's queue
 * trigger expects base64 by default (`@azure/storage-queue` does not encode; a mismatch
 * silently poisons every message). See `shared/queue/send.ts`.
 */
export const QueueNames = {
  mailboxSync: 'mailbox-sync',
  mailInbound: 'mail-inbound',
  mailInboundPoison: 'mail-inbound-poison',
  mailboxSyncPoison: 'mailbox-sync-poison',
  mailOutbound: 'mail-outbound',
  mailOutboundPoison: 'mail-outbound-poison',
} as const;
export type QueueName = (typeof QueueNames)[keyof typeof QueueNames];

/** Every queue the app uses (the infra must provision each). */
export const allQueueNames: readonly string[] = Object.values(QueueNames);

/** Ask a worker to list new mail of one channel (optionally one folder). */
export const MailboxSyncMessage = z.object({
  channelId: z.string().min(1),
  /** `subscribed`: a folder's change subscription was just established; mail that came while it had none was notified to nobody. */
  reason: z.enum(['schedule', 'notification', 'lifecycle', 'manual', 'publish', 'subscribed']),
  /** Only this folder; all read folders when absent. */
  folder: z.string().min(1).optional(),
  /** Drop the stored sync state and sweep the folder anew (duplicates are caught by the ledger). */
  fullResync: z.boolean().default(false),
  requestedAt: z.iso.datetime(),
});
export type MailboxSyncMessage = z.infer<typeof MailboxSyncMessage>;

/** Where a mail sits in its source, enough to fetch and move it. */
export const SourceRef = z.discriminatedUnion('protocol', [
  z.object({
    protocol: z.literal('imap'),
    folder: z.string().min(1),
    /** UIDVALIDITY as a decimal string (imapflow gives a BigInt, which JSON cannot carry). */
    uidValidity: z.string().regex(/^\d+$/),
    uid: z.number().int().positive(),
  }),
  z.object({
    protocol: z.literal('graph'),
    /** Well-known name or id of the folder it was listed in. */
    folder: z.string().min(1),
    /** Immutable Graph message id. */
    messageId: z.string().min(1),
  }),
]);
export type SourceRef = z.infer<typeof SourceRef>;

/** One mail to process. */
export const MailInboundMessage = z.object({
  channelId: z.string().min(1),
  source: SourceRef,
  /** Internet Message-ID when the listing already knew it (dedup before fetching). */
  internetMessageId: z.string().optional(),
  /** Graph only: the message's conversationId (thread resolution's last resort). */
  conversationId: z.string().max(1000).optional(),
  /** When the mailbox received it (from the listing). */
  receivedAt: z.iso.datetime().optional(),
  enqueuedAt: z.iso.datetime(),
  /** Old mail imported by an explicit choice: never auto-answered. */
  imported: z.boolean().default(false),
  /** Set by a retry from the admin API: reprocess from the stored raw MIME. */
  retryOfLedgerKey: z.string().optional(),
});
export type MailInboundMessage = z.infer<typeof MailInboundMessage>;

/** Send one outbox record (shared/outbound/outbox.ts); the record holds the mail, the message only names it. */
export const MailOutboundMessage = z.object({
  channelId: z.string().min(1),
  /** The outbox record's id (its outbox key). */
  outboxId: z.string().min(1),
  enqueuedAt: z.iso.datetime(),
});
export type MailOutboundMessage = z.infer<typeof MailOutboundMessage>;
