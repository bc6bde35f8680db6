import { createHash } from 'node:crypto';
import type { ItemDefinition } from '@azure/cosmos';
import { z } from 'zod';
import { normalizeMessageId } from '../pipeline/ledger-key';
import { container, onCosmosReset } from './cosmos';
import { createEachOnce, createOrReadExisting, queryAll, readItem } from './cosmos-items';
import { cosmosStatus } from './errors';
import { ttlCache } from './ttl-cache';
import { inParallel } from '../in-parallel';

/**
 * The thread index: which ticket a Message-ID (one we sent or one we received), a Graph
 * `conversationId` belongs to, per channel; and the ticket numbers subject tokens show
 * (global, in their own partition of the `threadIndex` container). Every entry's id is a
 * hash of its key, so thread resolution answers with point reads, never a query.
 *
 * A channel's Message-ID and conversation entries live in the channel's partition of the
 * `ledger` container, beside its mails' records (their 64-hex ids never meet a record's
 * 40-hex key): the write that closes a mail's record creates them in the same batch
 * (`receivedMailEntries`, store/ledger.ts), one Cosmos operation instead of two. Entries
 * written before that change are in the `threadIndex` container: while it holds any,
 * lookups read both places (`readEntries`), until `moveLegacyEntries` has moved them.
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
    /** A sent mail's outbox record: a bounce that names this Message-ID is marked there. */
    outboxId: z.string().min(1).optional(),
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
  /**
   * The ticket a subject token's number names. Numbers are global (one counter for all
   * channels), so a token that strays into another channel still names its own ticket, and
   * thread resolution can see it belongs elsewhere (never attached). Kept in the partition
   * NUMBERS_PARTITION, not a channel's.
   */
  z.object({
    id: z.string(),
    channelId: z.literal('~numbers'),
    type: z.literal('ticketNumber'),
    /** The number, as decimal text. */
    key: z.string().regex(/^\d{1,12}$/),
    ticketId: z.string().min(1),
    /** The channel of the ticket; absent for a ticket of no channel. */
    ticketChannelId: z.string().min(1).optional(),
    at: z.iso.datetime(),
  }),
  /** The number a ticket got, so a redelivered mail asks for it again and gets the same. */
  z.object({
    id: z.string(),
    channelId: z.literal('~numbers'),
    type: z.literal('numberOfTicket'),
    key: z.string().min(1),
    ticketNumber: z.number().int().min(1),
    at: z.iso.datetime(),
  }),
]);
export type ThreadEntry = z.infer<typeof ThreadEntry>;
export type MessageIdEntry = Extract<ThreadEntry, { type: 'messageId' }>;
export type ConversationEntry = Extract<ThreadEntry, { type: 'conversationId' }>;
export type TicketNumberEntry = Extract<ThreadEntry, { type: 'ticketNumber' }>;

/** The partition of ticket numbers and their counter: `~` starts no channel id (they are UUIDs). */
export const NUMBERS_PARTITION = '~numbers';
/** The counter of ticket numbers (the last one handed out). */
const NumberCounter = z.object({ id: z.literal('counter:ticketNumber'), channelId: z.literal(NUMBERS_PARTITION), type: z.literal('counter'), value: z.number().int().min(0) });
const COUNTER_ID = 'counter:ticketNumber';

/** At most this many ids are looked up per mail (one point read each). */
export const MAX_LOOKUP_IDS = 20;

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
/** The entry id of a Message-ID: SHA-256 of its normalised form. */
export const messageIdEntryId = (messageId: string) => sha256(normalizeMessageId(messageId));
/** Conversation entries hash a different string, so they never meet a Message-ID's. */
export const conversationEntryId = (conversationId: string) => sha256(`conversation\n${conversationId}`);
const numberEntryId = (n: number) => sha256(`ticket-number\n${n}`);
const numberOfTicketEntryId = (ticketId: string) => sha256(`number-of-ticket\n${ticketId}`);

/**
 * Where a channel's Message-ID and conversation entries are written and looked up. Its
 * first use (and the first after each 10 minutes) also starts the check below, so the
 * lookup that needs it finds it answered, not a request more in a mail's path.
 */
function entryContainer() {
  legacyEntriesExist().catch(() => undefined); // a failed check is not kept: the next use asks again
  return container('ledger');
}

/** The entries written before they moved beside the ledger, and the query that finds them. */
const LEGACY_CONTAINER = 'threadIndex';
// Only documents in a channel's partition: one without a channel id is in none, and no lookup could read it.
const LEGACY_ENTRIES = "FROM c WHERE (c.type = 'messageId' OR c.type = 'conversationId') AND IS_STRING(c.channelId)";

/**
 * Whether the `threadIndex` container still holds Message-ID or conversation entries
 * (written before they moved beside the ledger; `moveLegacyEntries` empties it): one query
 * per instance and 10 minutes, so a deployment that never had any reads one place only,
 * and one upgraded while older instances still ran sees their last entries.
 */
const legacyCheck = ttlCache<boolean>(10 * 60_000);
onCosmosReset(() => legacyCheck.clear());
const legacyEntriesExist = () =>
  legacyCheck.get(LEGACY_CONTAINER, async () => (await queryAll<string>(await container(LEGACY_CONTAINER), `SELECT TOP 1 VALUE c.id ${LEGACY_ENTRIES}`)).length > 0);

type Stored = ItemDefinition & { _etag?: string };

/**
 * Reads `ids` in the channel's partition. While entries written before the move remain,
 * each id is read in both places, in parallel, and the old place's entry wins: it was
 * written first, and the first writer of an id keeps it.
 */
async function readEntries(channelId: string, ids: readonly string[]): Promise<(Stored | undefined)[]> {
  const current = await entryContainer();
  if (!(await legacyEntriesExist())) return Promise.all(ids.map((id) => readItem(current, id, channelId)));
  const legacy = await container(LEGACY_CONTAINER);
  return Promise.all(ids.map(async (id) => {
    const [old, now] = await Promise.all([readItem(legacy, id, channelId), readItem(current, id, channelId)]);
    return old ?? now;
  }));
}

/** Cosmos' own fields of a stored document, not carried to its copy. */
const withoutSystemFields = ({ _rid, _self, _etag, _ts, _attachments, ...doc }: Stored & Record<string, unknown>) => doc;

/**
 * Moves up to `limit` entries written before the move into their channel's partition
 * beside the ledger, and deletes them from the old place (copy first, so a lookup in
 * between finds the entry in one place or both). An id already written beside the ledger
 * (after the upgrade, by a mail that named it again) keeps the earlier of the two. Safe to
 * run again after a crash or on two instances at once: each step is create-once, a guarded
 * replace or a delete of what is gone. `remaining`: whether entries are left for a next run.
 * An entry that fails the schema (edited by hand, say) is moved as it is, so it neither
 * stops the mover nor is lost, and a lookup meets it as before; `unreadable` names them.
 */
export async function moveLegacyEntries(limit = 500): Promise<{ moved: number; remaining: boolean; unreadable: string[] }> {
  if (!(await legacyEntriesExist())) return { moved: 0, remaining: false, unreadable: [] };
  const legacy = await container(LEGACY_CONTAINER);
  const current = await container('ledger');
  const page = await queryAll<Stored & Record<string, unknown>>(legacy, `SELECT TOP @limit * ${LEGACY_ENTRIES}`, [{ name: '@limit', value: limit }]);
  const unreadable: string[] = [];
  await inParallel(page, 8, async (stored) => {
    const doc = withoutSystemFields(stored) as Record<string, unknown> & { id: string; channelId: string };
    if (!ThreadEntry.safeParse(doc).success) unreadable.push(doc.id);
    const { resource, created } = await createOrReadExisting(current, doc, doc.channelId);
    const existingAt = (resource as Record<string, unknown>).at;
    if (!created && typeof existingAt === 'string' && typeof doc.at === 'string' && existingAt > doc.at) {
      try {
        await current.item(doc.id, doc.channelId).replace(doc, { accessCondition: { type: 'IfMatch', condition: resource._etag ?? '' } });
      } catch (err) {
        if (cosmosStatus(err) !== 412) throw err; // another mover put the same old entry there first
      }
    }
    try {
      await legacy.item(doc.id, doc.channelId).delete();
    } catch (err) {
      if (cosmosStatus(err) !== 404) throw err;
    }
  });
  const remaining = page.length >= limit;
  if (!remaining) legacyCheck.forget(LEGACY_CONTAINER);
  return { moved: page.length, remaining, unreadable };
}

export interface Recorded<T> {
  entry: T;
  /** False when the key was already recorded (the existing entry is returned, unchanged). */
  created: boolean;
}

/** The entry of a normalised Message-ID of the channel's ticket. */
function messageIdEntry(channelId: string, key: string, ticketId: string, kind: MessageIdEntry['kind'], at: Date, outboxId?: string): MessageIdEntry {
  return ThreadEntry.parse({ id: messageIdEntryId(key), channelId, type: 'messageId', key, ticketId, kind, ...(outboxId ? { outboxId } : {}), at: at.toISOString() }) as MessageIdEntry;
}

/** The entry of a Graph conversation of the channel's ticket. */
function conversationEntry(channelId: string, conversationId: string, ticketId: string, at: Date): ConversationEntry {
  return ThreadEntry.parse({ id: conversationEntryId(conversationId), channelId, type: 'conversationId', key: conversationId, ticketId, at: at.toISOString() }) as ConversationEntry;
}

/** Records that a Message-ID belongs to a ticket of the channel. */
export async function recordMessageId(
  channelId: string,
  messageId: string,
  ticketId: string,
  kind: MessageIdEntry['kind'],
  at: Date = new Date(),
  outboxId?: string,
): Promise<Recorded<MessageIdEntry>> {
  const key = normalizeMessageId(messageId);
  if (!key) throw new Error('an empty Message-ID cannot be recorded');
  const doc = messageIdEntry(channelId, key, ticketId, kind, at, outboxId);
  const { resource, created } = await createOrReadExisting(await entryContainer(), doc, channelId);
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
  const read = await readEntries(channelId, keys.map(messageIdEntryId));
  return read.flatMap((resource, i) => {
    if (!resource) return [];
    const entry = ThreadEntry.parse(resource);
    return entry.type === 'messageId' && entry.key === keys[i] ? [entry] : [];
  });
}

/** A received mail, for the thread index: what replies to it may name. */
export interface ReceivedMail {
  messageId?: string | undefined;
  conversationId?: string | undefined;
  /** The answers it gets (their Message-IDs and outbox records). */
  sent?: readonly { messageId: string; outboxId: string }[];
}

/**
 * Where a received mail went, for the replies to it: its Message-ID (kind `received`),
 * from Graph its conversation, and the Message-IDs of the answers it gets (kind `sent`) →
 * the ticket. Create-once each; all in the channel's partition beside its ledger records.
 */
export function receivedMailEntries(channelId: string, mail: ReceivedMail, ticketId: string, at: Date): ThreadEntry[] {
  const key = mail.messageId ? normalizeMessageId(mail.messageId) : '';
  const sent = (mail.sent ?? []).map((s) => ({ ...s, key: normalizeMessageId(s.messageId) })).filter((s) => s.key && s.key !== key);
  return [
    ...(key ? [messageIdEntry(channelId, key, ticketId, 'received', at)] : []),
    ...(mail.conversationId ? [conversationEntry(channelId, mail.conversationId, ticketId, at)] : []),
    ...sent.map((s) => messageIdEntry(channelId, s.key, ticketId, 'sent', at, s.outboxId)),
  ];
}

/** Writes `receivedMailEntries` now, in one request (a batch); for a mail whose answers go before its record closes. */
export async function recordReceivedMail(channelId: string, mail: ReceivedMail, ticketId: string, at: Date = new Date()): Promise<void> {
  const docs = receivedMailEntries(channelId, mail, ticketId, at);
  if (docs.length) await createEachOnce(await entryContainer(), docs, channelId);
}

/** The ticket a Graph conversation belongs to, by one point read. */
export async function lookupConversation(channelId: string, conversationId: string): Promise<ConversationEntry | undefined> {
  if (!conversationId) return undefined;
  const [resource] = await readEntries(channelId, [conversationEntryId(conversationId)]);
  if (!resource) return undefined;
  const entry = ThreadEntry.parse(resource);
  return entry.type === 'conversationId' && entry.key === conversationId ? entry : undefined;
}

/**
 * The ticket's number (what its subject token shows), handed out on first ask and the same
 * ever after — a redelivered mail gets the number its first delivery got. A crash or a lost
 * race can skip a number (a gap) or leave a spare number naming the same ticket, never give
 * one number to two tickets: the counter moves by Cosmos' atomic
 * increment (a patch, so concurrent writers never contend), the number→ticket entry is
 * written before the ticket claims its number, and the claim is create-once. Point reads
 * and writes only: 1 read when the ticket has its number, else 1 read (none when
 * `unclaimed`), the counter's patch and one batch of 2 creates (the counter's first use adds a create).
 */
export async function ticketNumberFor(ticketId: string, ticketChannelId: string | undefined, at: Date = new Date(), options: { unclaimed?: boolean } = {}): Promise<number> {
  const c = await container('threadIndex');
  // `unclaimed`: the caller knows no number can have been asked for this ticket yet (its
  // mail's first attempt), so the read would be a 404; should it be wrong, the create-once
  // claim below still returns the first number (the new one is a gap)
  if (!options.unclaimed) {
    const claimed = await readItem(c, numberOfTicketEntryId(ticketId), NUMBERS_PARTITION);
    if (claimed) {
      const entry = ThreadEntry.parse(claimed);
      if (entry.type === 'numberOfTicket' && entry.key === ticketId) return entry.ticketNumber;
    }
  }
  const n = await nextNumber();
  const stamp = at.toISOString();
  // one batch: the number→ticket entry first (on the emulator, whose batch is not atomic, a
  // claim that already exists then leaves at most a spare number naming the same ticket)
  const [, claim] = await createEachOnce(
    c,
    [
      ThreadEntry.parse({ id: numberEntryId(n), channelId: NUMBERS_PARTITION, type: 'ticketNumber', key: String(n), ticketId, ticketChannelId, at: stamp }),
      ThreadEntry.parse({ id: numberOfTicketEntryId(ticketId), channelId: NUMBERS_PARTITION, type: 'numberOfTicket', key: ticketId, ticketNumber: n, at: stamp }),
    ],
    NUMBERS_PARTITION,
  );
  const entry = ThreadEntry.parse(claim!.resource);
  if (entry.type !== 'numberOfTicket') throw new Error(`thread index entry of ticket ${ticketId} is a ${entry.type}`);
  return entry.ticketNumber;
}

async function nextNumber(): Promise<number> {
  const c = await container('threadIndex');
  // Two rounds at most: the first patch finds no counter, one creator wins the create, and
  // every other writer's second patch finds it. Patch `incr` is applied by the server, so
  // however many mails take a number at once, none of them retries against another.
  for (let round = 0; round < 2; round++) {
    try {
      const { resource } = await c.item(COUNTER_ID, NUMBERS_PARTITION).patch([{ op: 'incr', path: '/value', value: 1 }]);
      return NumberCounter.parse(resource).value;
    } catch (err) {
      if (cosmosStatus(err) !== 404) throw err;
    }
    try {
      await c.items.create(NumberCounter.parse({ id: COUNTER_ID, channelId: NUMBERS_PARTITION, type: 'counter', value: 1 }));
      return 1;
    } catch (err) {
      if (cosmosStatus(err) !== 409) throw err;
    }
  }
  throw new Error('the ticket number counter could be neither incremented nor created');
}

/** The ticket (and its channel) a token's number names, by one point read. */
export async function lookupTicketNumber(ticketNumber: number): Promise<TicketNumberEntry | undefined> {
  if (!Number.isSafeInteger(ticketNumber) || ticketNumber < 1) return undefined;
  const c = await container('threadIndex');
  const resource = await readItem(c, numberEntryId(ticketNumber), NUMBERS_PARTITION);
  if (!resource) return undefined;
  const entry = ThreadEntry.parse(resource);
  return entry.type === 'ticketNumber' && entry.key === String(ticketNumber) ? entry : undefined;
}
