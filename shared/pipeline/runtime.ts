import { randomUUID } from 'node:crypto';
import { classifyMail, classifyOptions } from '../mail/classify';
import { parseMailWithContent } from '../mail/parse';
import { MailboxSyncMessage, MailInboundMessage, QueueNames } from '../queue/contracts';
import { sendQueueMessage } from '../queue/send';
import { openMailSource } from '../sources/open-source';
import { getRawMail, putAttachment, putRawMail } from '../store/blobs';
import { listChannelRecords, readChannelRecord } from '../store/channel-repository';
import { createLedger, findLedgerByPlace, readLedger, replaceLedger } from '../store/ledger';
import { claimFolderSync, completeFolderSync, readChannelState, updateChannelState } from '../store/sync-state';
import { createTicketDoc } from '../store/ticket-repository';
import { getTemplate } from '../tickets/catalogue';
import type { Attachment } from '../tickets/ticket';
import { faultHookFromEnv } from './fault-injection';
import { processMemoryBudget } from './memory-budget';
import { recordMailOutcome, recordSyncFailure } from '../telemetry';
import type { ProcessDeps } from './process-mail';
import type { ScheduleDeps } from './schedule-sync';
import { FOLDER_LEASE_MS, type SyncDeps } from './sync-mailbox';

/**
 * The real I/O behind the pipeline's seams: Cosmos, Blob, queues, the mailbox sources,
 * the ticketing side. The functions in functions/ build these and call the pipeline.
 */
type Log = (message: string, props?: Record<string, unknown>) => void;

const faultHook = faultHookFromEnv();

const loadChannel = async (id: string) => (await readChannelRecord(id))?.record;

/** At most this many queue sends at once (Azurite and Storage both take small bursts well). */
const ENQUEUE_PARALLELISM = 16;

async function inChunks<T>(items: T[], size: number, fn: (item: T) => Promise<void>): Promise<void> {
  for (let i = 0; i < items.length; i += size) await Promise.all(items.slice(i, i + size).map(fn));
}

export function processDeps(log: Log): ProcessDeps {
  return {
    loadChannel,
    openSource: openMailSource,
    getTemplate,
    parse: parseMailWithContent,
    classify: (mail, channel) => classifyMail(mail, classifyOptions(channel)),
    createTicket: async ({ id, channelId, ledgerKey, messageId, plan, attachmentBlobs }) => {
      const attachments: Attachment[] = plan.attachments.map((a) => {
        const blobName = attachmentBlobs.get(a.sha256);
        const base = { filename: a.filename, contentType: a.contentType, size: a.size, ...(a.cid ? { contentId: a.cid } : {}) };
        return blobName && !a.blocked ? { ...base, blobName } : { ...base, blocked: a.blocked ?? 'content missing from the parsed mail' };
      });
      const { ticket, created } = await createTicketDoc({
        id,
        templateId: plan.templateId,
        channelId,
        title: plan.title,
        description: plan.description,
        requester: { email: plan.requester.address, ...(plan.requester.name ? { name: plan.requester.name } : {}) },
        watchers: plan.watchers.map((w) => ({ email: w.address, ...(w.name ? { name: w.name } : {}) })),
        fields: plan.fields,
        priority: plan.priority,
        status: 'new',
        attachments,
        source: { channelId, ledgerKey, messageId: messageId ?? '' },
        createdAt: plan.receivedAt,
      });
      return { ticketId: ticket.id, created };
    },
    putRawMail,
    getRawMail,
    putAttachment,
    readLedger,
    createLedger,
    replaceLedger,
    findLedgerByPlace,
    now: () => new Date(),
    log,
    fault: faultHook,
    memory: processMemoryBudget,
    onDone: (r) => recordMailOutcome({ channelId: r.channelId, protocol: r.source.protocol, outcome: r.outcome ?? 'failed', reasonCode: r.reasonCode, latencyMs: r.timings.latencyMs }),
  };
}

export function syncDeps(log: Log): SyncDeps {
  return {
    loadChannel,
    openSource: openMailSource,
    claimFolder: (channelId, folder) => claimFolderSync(channelId, folder, randomUUID(), new Date(), FOLDER_LEASE_MS),
    completeFolder: (lease, next, listAgain) => completeFolderSync(lease, next, listAgain),
    enqueueMail: (messages) => inChunks(messages, ENQUEUE_PARALLELISM, (m) => sendQueueMessage(QueueNames.mailInbound, MailInboundMessage, m)),
    markSynced: (channelId, at, error) => {
      if (error) recordSyncFailure({ channelId, code: error.code });
      return updateChannelState(channelId, error ? { lastError: { ...error, at } } : { lastSyncedAt: at, lastError: undefined });
    },
    hasSynced: async (channelId) => Boolean((await readChannelState(channelId))?.lastSyncedAt),
    now: () => new Date(),
    log,
  };
}

export function scheduleDeps(): ScheduleDeps {
  return {
    listPublishedChannels: async () => (await listChannelRecords()).map((s) => s.record).filter((c) => c.status === 'published'),
    lastRequestedAt: async (channelId) => (await readChannelState(channelId))?.lastRequestedAt,
    markRequested: (channelId, at) => updateChannelState(channelId, { lastRequestedAt: at }),
    enqueueSync: (message) => sendQueueMessage(QueueNames.mailboxSync, MailboxSyncMessage, message),
    now: () => new Date(),
  };
}
