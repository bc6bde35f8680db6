import { randomUUID } from 'node:crypto';
import { classifyMail, classifyOptions } from '../mail/classify';
import { parseMailWithContent } from '../mail/parse';
import { MailboxSyncMessage, MailInboundMessage, QueueNames } from '../queue/contracts';
import { sendQueueMessage } from '../queue/send';
import { openMailSource } from '../sources/open-source';
import { getRawMail, openRawMail, putAttachment, putAttachmentStream, putRawMail, putRawMailStream } from '../store/blobs';
import { largeMailLimitsFromEnv } from './large-mail';
import { listChannelRecords, readChannelCached, readChannelRecord } from '../store/channel-repository';
import { onCosmosReset } from '../store/cosmos';
import { ttlCache } from '../store/ttl-cache';
import type { MappableTemplate } from '../tickets/field-mapping';
import { createLedger, findLedgerByPlace, readLedger, replaceLedger } from '../store/ledger';
import { countDuplicate, deferCounterChanges } from '../store/channel-stats';
import { claimFolderSync, completeFolderSync, readChannelState, updateChannelState } from '../store/sync-state';
import { cosmosSyncScheduleStore } from '../store/sync-schedule';
import { channelsChangedSince } from '../store/channel-changes';
import { createTicketDoc, findNoteDoc, readTicketDoc } from '../store/ticket-repository';
import { noteIdFor, ticketIdFor } from './ledger-key';
import { getTemplate } from '../tickets/catalogue';
import type { Attachment, Ticket } from '../tickets/ticket';
import type { AttachmentVerdict } from './attachment-policy';
import { addNote as addTicketNote, updateTicket } from '../tickets/tickets';
import { readTicketDocWithEtag } from '../store/ticket-repository';
import { lookupConversation, lookupMessageIds, lookupTicketNumber, receivedMailEntries, recordReceivedMail, ticketNumberFor } from '../store/thread-index';
import { resolveThread } from '../threading/resolve-thread';
import { threadTokenKeys } from '../threading/runtime';
import { normalizeAddress } from '../threading/thread-context';
import { recentAnswers, reserveAnswer } from '../store/answer-counters';
import { channelOwnAddresses } from '../answers/channel-identity';
import { dispatchOutgoing } from '../outbound/dispatch';
import { findOwnMailBounced, recordOwnMailBounce } from '../outbound/bounce-of-own-mail';
import { markOutboxBounced } from '../store/outbox';
import { dispatchDeps } from '../outbound/runtime';
import { settings } from '../config/settings';
import { faultHookFromEnv } from './fault-injection';
import { processMemoryBudget } from './memory-budget';
import { recordMailOutcome, recordSyncFailure } from '../telemetry';
import type { ProcessDeps } from './process-mail';
import type { ResolutionDeps } from './resolve-mail';
import type { ScheduleDeps } from './schedule-sync';
import { FOLDER_LEASE_MS, type SyncDeps } from './sync-mailbox';

/**
 * The real I/O behind the pipeline's seams: Cosmos, Blob, queues, the mailbox sources,
 * the ticketing side. The functions in functions/ build these and call the pipeline.
 */
type Log = (message: string, props?: Record<string, unknown>) => void;

const faultHook = faultHookFromEnv();

const loadChannel = async (id: string) => (await readChannelRecord(id))?.record;
/** The pipeline's channel: read at most once per CHANNEL_CACHE_TTL_MS per instance (channel-repository.ts says why that is safe). */
const loadChannelCached = async (id: string) => (await readChannelCached(id))?.record;

/**
 * Templates come from the ticketing system and change rarely; a changed template takes
 * effect on this instance's mail within this long. Not found is asked again every time.
 */
const TEMPLATE_CACHE_TTL_MS = 60_000;
const templates = ttlCache<MappableTemplate>(TEMPLATE_CACHE_TTL_MS);
onCosmosReset(() => templates.clear());
const getTemplateCached = (id: string) => templates.get(id, () => getTemplate(id));

/** At most this many queue sends at once (Azurite and Storage both take small bursts well). */
const ENQUEUE_PARALLELISM = 16;

async function inChunks<T>(items: T[], size: number, fn: (item: T) => Promise<void>): Promise<void> {
  for (let i = 0; i < items.length; i += size) await Promise.all(items.slice(i, i + size).map(fn));
}

/** Stored attachments as tickets and notes keep them: a blob, or the reason there is none. */
function storedAttachments(list: readonly AttachmentVerdict[], blobs: Map<string, string>): Attachment[] {
  return list.map((a) => {
    const blobName = blobs.get(a.sha256);
    const base = { filename: a.filename, contentType: a.contentType, size: a.size, ...(a.cid ? { contentId: a.cid } : {}) };
    return blobName && !a.blocked ? { ...base, blobName } : { ...base, blocked: a.blocked ?? 'content missing from the parsed mail' };
  });
}

/** The channel list changes rarely; the answer policy reads every channel's addresses (no loop between two of ours). */
const CHANNEL_LIST_TTL_MS = 60_000;
let channelList: { at: number; list: Promise<Awaited<ReturnType<typeof listChannelRecords>>> } | undefined;
function cachedChannelList() {
  if (!channelList || Date.now() - channelList.at > CHANNEL_LIST_TTL_MS) {
    const list = listChannelRecords();
    channelList = { at: Date.now(), list };
    list.catch(() => { channelList = undefined; });
  }
  return channelList.list;
}

/**
 * The ticket a reply's thread resolution read, with its ETag, kept a few seconds so the
 * note's ticket update moments later in the same attempt starts from it: a reply reads its
 * ticket once, not three times. Taken once; one changed meanwhile loses its replace (412)
 * and is read afresh, so nothing stale is ever written.
 */
const RESOLVED_TICKET_MS = 10_000;
const resolvedTickets = new Map<string, { at: number; read: { ticket: Ticket; etag: string } }>();
async function readTicketForResolution(id: string): Promise<Ticket | undefined> {
  const read = await readTicketDocWithEtag(id);
  if (!read) return undefined;
  if (resolvedTickets.size >= 1_000) for (const [k, e] of resolvedTickets) if (Date.now() - e.at >= RESOLVED_TICKET_MS) resolvedTickets.delete(k);
  if (resolvedTickets.size < 1_000) resolvedTickets.set(id, { at: Date.now(), read });
  return read.ticket;
}
function takeResolvedTicket(id: string): { ticket: Ticket; etag: string } | undefined {
  const entry = resolvedTickets.get(id);
  resolvedTickets.delete(id);
  return entry && Date.now() - entry.at < RESOLVED_TICKET_MS ? entry.read : undefined;
}

/** The reads of the resolution step (resolve-mail.ts): the real run and the admin dry run share them. */
export function resolutionDeps(): ResolutionDeps {
  return {
    resolveThread: (mail, channel) =>
      resolveThread(mail, channel, {
        keys: threadTokenKeys,
        ticketByNumber: lookupTicketNumber,
        messageIds: lookupMessageIds,
        conversation: lookupConversation,
        ticket: readTicketForResolution,
      }),
    ownMailBounce: (channelId, mail, contents) => findOwnMailBounced(channelId, mail, contents, lookupMessageIds),
    answerContext: async ({ channel, sender, imported, ownAnswerId }) => {
      const [recent, all] = await Promise.all([recentAnswers(channel.id, sender, new Date(), ownAnswerId), cachedChannelList()]);
      const others = all.map((c) => c.record).filter((c) => c.id !== channel.id);
      return { recent, ownAddresses: channelOwnAddresses(channel, channel.answers, others), imported };
    },
  };
}

export function processDeps(log: Log): ProcessDeps {
  const outgoing = dispatchDeps();
  return {
    loadChannel: loadChannelCached,
    openSource: openMailSource,
    getTemplate: getTemplateCached,
    parse: parseMailWithContent,
    classify: (mail, channel) => classifyMail(mail, classifyOptions(channel)),
    ...resolutionDeps(),
    recordOwnMailBounce: async (found) => {
      const result = await recordOwnMailBounce(found, { markOutboxBounced, updateTicket, now: () => new Date() });
      log('bounce of our own mail recorded', { outboxId: found.outboxId, ticketId: found.ticketId, ...result });
    },
    ticketNumber: (ticketId, channelId, options) => ticketNumberFor(ticketId, channelId, new Date(), options),
    recordThread: ({ channelId, mail, ticketId }) => recordReceivedMail(channelId, mail, ticketId),
    findCarriedOut: async (channelId, key) => {
      const ticket = await readTicketDoc(ticketIdFor(key));
      if (ticket && ticket.channelId === channelId) return { ticketId: ticket.id };
      const note = await findNoteDoc(noteIdFor(key));
      return note ? { ticketId: note.ticketId, noteId: note.id } : undefined;
    },
    tokenKeys: () => threadTokenKeys(),
    dispatch: async (records, options) => {
      await dispatchOutgoing(records, outgoing, options);
    },
    reserveAnswer,
    publicBaseUrl: settings().PUBLIC_BASE_URL,
    addNote: async ({ id, channelId, ledgerKey, messageId, rawBlob, plan, attachmentBlobs, at }) => {
      const read = takeResolvedTicket(plan.ticketId);
      const { note, created } = await addTicketNote(plan.ticketId, {
        id,
        author: { email: plan.author.address, ...(plan.author.name ? { name: plan.author.name } : {}) },
        text: plan.text,
        ...(plan.html !== undefined ? { html: plan.html } : {}),
        attachments: storedAttachments(plan.attachments, attachmentBlobs),
        source: { channelId, ledgerKey, ...(messageId ? { messageId } : {}), ...(rawBlob ? { rawBlob } : {}) },
        direction: 'inbound',
        createdAt: at,
      }, { ticketExists: read !== undefined });
      // the author joins the ticket's participants; a reopening reply reopens it — once: a
      // redelivery finds both done, and a ticket closed again since is not reopened by an old reply
      const author = normalizeAddress(plan.author.address);
      await updateTicket(plan.ticketId, (t) => {
        const isParticipant = !author || [t.requester.email, ...t.watchers.map((w) => w.email), ...t.participants].some((p) => normalizeAddress(p) === author);
        const reopen = plan.reopen && (t.status === 'resolved' || t.status === 'closed') && t.closedAt === plan.closedAt;
        if (isParticipant && !reopen) return undefined;
        return {
          ...t,
          ...(isParticipant ? {} : { participants: [...t.participants, author] }),
          ...(reopen ? { status: 'open' as const, closedAt: undefined } : {}),
          updatedAt: new Date().toISOString(),
        };
      }, read ? { read } : {});
      return { noteId: note.id, created };
    },
    createTicket: async ({ id, channelId, ledgerKey, messageId, rawBlob, number, plan, attachmentBlobs }) => {
      const attachments = storedAttachments(plan.attachments, attachmentBlobs);
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
        source: { channelId, ledgerKey, messageId: messageId ?? '', ...(rawBlob ? { rawBlob } : {}) },
        ...(number ? { number } : {}),
        ...(plan.relatedTicketId ? { relatedTicketId: plan.relatedTicketId } : {}),
        participants: [],
        createdAt: plan.receivedAt,
      });
      return { ticketId: ticket.id, created };
    },
    putRawMail,
    getRawMail,
    putAttachment,
    largeMail: { ...largeMailLimitsFromEnv(), putRawStream: putRawMailStream, openRaw: openRawMail, putAttachmentStream },
    readLedger,
    createLedger,
    replaceLedger: (record, etag, indexing) => replaceLedger(record, etag, indexing ? receivedMailEntries(indexing.channelId, indexing.mail, indexing.ticketId, new Date()) : []),
    findLedgerByPlace,
    now: () => new Date(),
    log,
    fault: faultHook,
    memory: processMemoryBudget,
    countClosed: deferCounterChanges,
    countDuplicate,
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
    store: cosmosSyncScheduleStore(),
    channelsChangedSince,
    enqueueSync: (message) => sendQueueMessage(QueueNames.mailboxSync, MailboxSyncMessage, message),
    pushEnabled: Boolean(settings().PUBLIC_BASE_URL),
    now: () => new Date(),
  };
}
