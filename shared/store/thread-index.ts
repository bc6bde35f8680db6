import { createHash } from 'node:crypto';
import { z } from 'zod';
import { normalizeMessageId } from '../pipeline/ledger-key';
import { container } from './cosmos';
import { createOrReadExisting, readItem } from './cosmos-items';

/**
 * The thread index: which ticket a Message-ID (one we sent or one we received) or a Graph
 * `conversationId` belongs to, per channel (pk /channelId). Every entry's id is a hash of
 * its key, so thread resolution answers with point reads, never a query.
 *
 * First writer wins: an entry is created once and never overwritten, so a redelivered
 * mail or send re-records harmlessly, and a Message-ID that reappears in another ticket's
 * mail (a forward, a client that reuses ids) keeps pointing where it first belonged.
 */
export const ThreadEntry = z.discriminatedUnion('type', [
  z.object({
    id: z.string(),
    channelId: z.string().min(1),
    type: z.literal('messageId'),
    /** The normalised Message-ID (kept to tell a hash collision from a match). */
    key: z.string().min(1),
    ticketId: z.string().min(1),
    /** sent = a mail we sent for the ticket; received = a mail that went into it. */
    kind: z.enum(['sent', 'received']),
    at: z.iso.datetime(),
  }),
  z.object({
    id: z.string(),
    channelId: z.string().min(1),
    type: z.literal('conversationId'),
    key: z.string().min(1),
    ticketId: z.string().min(1),
    at: z.iso.datetime(),
  }),
]);
export type ThreadEntry = z.infer<typeof ThreadEntry>;
export type MessageIdEntry = Extract<ThreadEntry, { type: 'messageId' }>;
export type ConversationEntry = Extract<ThreadEntry, { type: 'conversationId' }>;

/** At most this many ids are looked up per mail (one point read each). */
export const MAX_LOOKUP_IDS = 20;

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
/** The entry id of a Message-ID: SHA-256 of its normalised form. */
export const messageIdEntryId = (messageId: string) => sha256(normalizeMessageId(messageId));
/** Conversation entries hash a different string, so they never meet a Message-ID's. */
export const conversationEntryId = (conversationId: string) => sha256(`conversation\n${conversationId}`);

export interface Recorded<T> {
  entry: T;
  /** False when the key was already recorded (the existing entry is returned, unchanged). */
  created: boolean;
}

/** Records that a Message-ID belongs to a ticket of the channel. */
export async function recordMessageId(
  channelId: string,
  messageId: string,
  ticketId: string,
  kind: MessageIdEntry['kind'],
  at: Date = new Date(),
): Promise<Recorded<MessageIdEntry>> {
  const key = normalizeMessageId(messageId);
  if (!key) throw new Error('an empty Message-ID cannot be recorded');
  const doc = ThreadEntry.parse({ id: messageIdEntryId(key), channelId, type: 'messageId', key, ticketId, kind, at: at.toISOString() }) as MessageIdEntry;
  const c = await container('threadIndex');
  const { resource, created } = await createOrReadExisting(c, doc, channelId);
  return { entry: ThreadEntry.parse(resource) as MessageIdEntry, created };
}

/**
 * The entries of the first MAX_LOOKUP_IDS ids (callers pass them nearest first, see
 * threading/message-ids.ts), in that order; ids we do not know are left out. One point
 * read per id, in parallel.
 */
export async function lookupMessageIds(channelId: string, messageIds: readonly string[]): Promise<MessageIdEntry[]> {
  const keys = [...new Set(messageIds.map(normalizeMessageId).filter(Boolean))].slice(0, MAX_LOOKUP_IDS);
  if (!keys.length) return [];
  const c = await container('threadIndex');
  const read = await Promise.all(keys.map((key) => readItem(c, messageIdEntryId(key), channelId)));
  return read.flatMap((resource, i) => {
    if (!resource) return [];
    const entry = ThreadEntry.parse(resource);
    return entry.type === 'messageId' && entry.key === keys[i] ? [entry] : [];
  });
}

/** Records that a Graph conversation belongs to a ticket of the channel. */
export async function recordConversation(channelId: string, conversationId: string, ticketId: string, at: Date = new Date()): Promise<Recorded<ConversationEntry>> {
  if (!conversationId) throw new Error('an empty conversationId cannot be recorded');
  const doc = ThreadEntry.parse({ id: conversationEntryId(conversationId), channelId, type: 'conversationId', key: conversationId, ticketId, at: at.toISOString() }) as ConversationEntry;
  const c = await container('threadIndex');
  const { resource, created } = await createOrReadExisting(c, doc, channelId);
  return { entry: ThreadEntry.parse(resource) as ConversationEntry, created };
}

/** The ticket a Graph conversation belongs to, by one point read. */
export async function lookupConversation(channelId: string, conversationId: string): Promise<ConversationEntry | undefined> {
  if (!conversationId) return undefined;
  const c = await container('threadIndex');
  const resource = await readItem(c, conversationEntryId(conversationId), channelId);
  if (!resource) return undefined;
  const entry = ThreadEntry.parse(resource);
  return entry.type === 'conversationId' && entry.key === conversationId ? entry : undefined;
}
