import { randomUUID } from 'node:crypto';
import type { AnswerSettings } from '../answers/answer-settings';
import { answerSettingsOf, threadingSettingsOf } from '../answers/channel-settings';
import { channelIdentity, channelOwnAddresses } from '../answers/channel-identity';
import type { ChannelIdentity } from '../answers/compose-mail';
import { ticketLinkOf } from '../answers/ticket-link';
import { ticketThread, type TicketThread } from '../answers/ticket-thread';
import type { ChannelRecord } from '../config/channel';
import { settings as appSettings } from '../config/settings';
import type { DispatchDeps } from '../outbound/dispatch';
import type { OutboxRecord } from '../outbound/outbox';
import { outgoingMessageIdFor } from '../outbound/outgoing';
import { dispatchDeps } from '../outbound/runtime';
import { putAttachment } from '../store/blobs';
import { listChannelRecords, readChannelRecord } from '../store/channel-repository';
import { createOutbox, readOutbox, type OutboxWithEtag } from '../store/outbox';
import { ticketNumberFor } from '../store/thread-index';
import { queryNoteDocs, readTicketDocWithEtag, replaceTicketDoc } from '../store/ticket-repository';
import { threadTokenKeys } from '../threading/runtime';
import type { ThreadingSettings } from '../threading/threading-settings';
import { formatToken, tokenRef } from '../threading/ticket-token';
import type { NoteInput, Note, Ticket, TicketWithNotes } from '../tickets/ticket';
import { addNote, updateTicket } from '../tickets/tickets';

/**
 * What the ticket routes that send mail (an agent's reply, a status notification) need
 * of the world, as one seam: tickets, the channel, the thread index, Blob, the outbox
 * and its queue. `ticketMailDeps()` is the real I/O; a test or a benchmark wraps it to
 * count operations.
 */
export interface TicketMailDeps {
  readTicketWithEtag(id: string): Promise<{ ticket: Ticket; etag: string } | undefined>;
  /** Cosmos 412 (an error with `code: 412`) when the ticket changed since `etag`. */
  replaceTicket(ticket: Ticket, etag: string): Promise<Ticket>;
  updateTicket(id: string, change: (ticket: Ticket) => Ticket | undefined): Promise<Ticket>;
  /** The ticket's notes, oldest first. */
  queryNotes(ticketId: string): Promise<Note[]>;
  addNote(ticketId: string, note: NoteInput): Promise<{ note: Note; created: boolean }>;
  readChannel(id: string): Promise<ChannelRecord | undefined>;
  listChannels(): Promise<ChannelRecord[]>;
  tokenKeys(): Promise<Buffer[]>;
  ticketNumberFor(ticketId: string, channelId: string | undefined): Promise<number>;
  putAttachment(sha256: string, content: Buffer, contentType: string): Promise<string>;
  createOutbox(record: OutboxRecord): Promise<{ created: boolean }>;
  readOutbox(channelId: string, id: string): Promise<OutboxWithEtag | undefined>;
  /** Thread index `sent` entry, outbox record, queue message (outbound/dispatch.ts). */
  dispatch: DispatchDeps;
  publicBaseUrl: string | undefined;
  now(): Date;
  newId(): string;
}

export function ticketMailDeps(): TicketMailDeps {
  return {
    readTicketWithEtag: readTicketDocWithEtag,
    replaceTicket: replaceTicketDoc,
    updateTicket,
    queryNotes: (ticketId) => queryNoteDocs([ticketId]),
    addNote,
    readChannel: async (id) => (await readChannelRecord(id))?.record,
    listChannels: async () => (await listChannelRecords()).map((c) => c.record),
    tokenKeys: () => threadTokenKeys(),
    ticketNumberFor: (ticketId, channelId) => ticketNumberFor(ticketId, channelId),
    putAttachment,
    createOutbox,
    readOutbox,
    dispatch: dispatchDeps(),
    publicBaseUrl: appSettings().PUBLIC_BASE_URL,
    now: () => new Date(),
    newId: randomUUID,
  };
}

/** The channel a ticket's mail goes out from, with everything its mails carry. */
export interface ChannelMail {
  channel: ChannelRecord;
  settings: AnswerSettings;
  threading: ThreadingSettings;
  identity: ChannelIdentity;
  /** Every address of ours (this channel's and every other's), as mailbox keys. */
  ourAddresses: Set<string>;
  /** The ticket's number: stored on it, or handed out now (then the caller stores it). */
  number: number;
  /** `[#T-000123-ab3k9q2z]` and its body `T-000123-ab3k9q2z`. */
  token: string;
  ref: string;
  link: string;
  /** The Message-ID a mail of this channel's outbox record carries. */
  sentMessageId(outboxId: string): string | undefined;
}

/** Why a ticket's mail cannot go out from a channel: the ticket came from none, or it is gone. */
export interface NoChannel {
  code: 'NO_CHANNEL' | 'CHANNEL_NOT_FOUND';
  message: string;
}

export async function channelMailOf(ticket: Ticket, deps: TicketMailDeps): Promise<ChannelMail | NoChannel> {
  if (!ticket.channelId) return { code: 'NO_CHANNEL', message: `ticket "${ticket.id}" did not come from a mail channel: there is no mailbox to write from` };
  const channelId = ticket.channelId;
  const [channel, all, keys, number] = await Promise.all([
    deps.readChannel(channelId),
    deps.listChannels(),
    deps.tokenKeys(),
    ticket.number ?? deps.ticketNumberFor(ticket.id, channelId),
  ]);
  if (!channel) return { code: 'CHANNEL_NOT_FOUND', message: `the channel "${channelId}" of ticket "${ticket.id}" no longer exists: there is no mailbox to write from` };
  const settings = answerSettingsOf(channel);
  const threading = threadingSettingsOf(channel);
  const key = keys[0]!;
  return {
    channel,
    settings,
    threading,
    identity: channelIdentity(channel),
    ourAddresses: channelOwnAddresses(channel, settings, all.filter((c) => c.id !== channel.id)),
    number,
    token: formatToken(threading.token, channel.id, number, key),
    ref: tokenRef(threading.token, channel.id, number, key),
    link: ticketLinkOf(settings, deps.publicBaseUrl, ticket.id),
    sentMessageId: (outboxId) => {
      try {
        return outgoingMessageIdFor(outboxId, channel.connection.username);
      } catch {
        return undefined;
      }
    },
  };
}

export const isNoChannel = (c: ChannelMail | NoChannel): c is NoChannel => 'code' in c;

/**
 * Dispatch (thread index entry, queue message) of outbox records these routes wrote
 * already — before the note or the ticket change they belong to — so not written again.
 */
export function dispatchOfWritten(dispatch: DispatchDeps): DispatchDeps {
  return { ...dispatch, createOutbox: async () => ({ created: false }) };
}

/** The ticket's conversation as the channel's mail threads it (answers/ticket-thread.ts). */
export function threadOf(ticket: TicketWithNotes, mail: ChannelMail): TicketThread {
  return ticketThread(ticket, mail.sentMessageId);
}
