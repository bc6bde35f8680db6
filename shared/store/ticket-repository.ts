import type { z } from 'zod';
import { Ticket, Note, TicketDoc, NoteDoc } from '../tickets/ticket';
import { container } from './cosmos';
import { readItem, queryAll, createOrReadExisting } from './cosmos-items';

/**
 * Tickets and notes in container `tickets` (pk /ticketId). A ticket doc's id is the ticket
 * id; its notes live in the same partition. Creation is idempotent on the caller's id:
 * the second create of the same id returns the stored doc and `created: false`.
 * Every query names the partition key in its WHERE clause (the emulator ignores the
 * `partitionKey` option, and in Azure it keeps single-ticket queries in one partition).
 */

function ticketFromDoc(doc: unknown): Ticket {
  const { type: _type, ticketId: _pk, ...ticket } = TicketDoc.parse(doc);
  return ticket;
}

function noteFromDoc(doc: unknown): Note {
  const { type: _type, ...note } = NoteDoc.parse(doc);
  return note;
}

export async function createTicketDoc(ticket: z.input<typeof Ticket>): Promise<{ ticket: Ticket; created: boolean }> {
  const doc: TicketDoc = TicketDoc.parse({ ...ticket, type: 'ticket', ticketId: ticket.id });
  const { resource, created } = await createOrReadExisting(await container('tickets'), doc, doc.ticketId);
  return { ticket: ticketFromDoc(resource), created };
}

export async function createNoteDoc(note: z.input<typeof Note>): Promise<{ note: Note; created: boolean }> {
  const doc: NoteDoc = NoteDoc.parse({ ...note, type: 'note' });
  const { resource, created } = await createOrReadExisting(await container('tickets'), doc, doc.ticketId);
  return { note: noteFromDoc(resource), created };
}

export async function readTicketDoc(ticketId: string): Promise<Ticket | undefined> {
  return (await readTicketDocWithEtag(ticketId))?.ticket;
}

/** The ticket doc with its ETag, for a guarded replace. */
export async function readTicketDocWithEtag(ticketId: string): Promise<{ ticket: Ticket; etag: string } | undefined> {
  const resource = await readItem(await container('tickets'), ticketId, ticketId);
  if (!resource || (resource as { type?: unknown }).type !== 'ticket') return undefined;
  return { ticket: ticketFromDoc(resource), etag: resource._etag ?? '' };
}

/** Replaces the ticket doc if unchanged since `etag`; a Cosmos 412 error otherwise. */
export async function replaceTicketDoc(ticket: z.input<typeof Ticket>, etag: string): Promise<Ticket> {
  const doc: TicketDoc = TicketDoc.parse({ ...ticket, type: 'ticket', ticketId: ticket.id });
  const { resource } = await (await container('tickets')).item(doc.id, doc.ticketId).replace(doc, { accessCondition: { type: 'IfMatch', condition: etag } });
  return ticketFromDoc(resource);
}

/** Tickets, newest first, optionally of one channel (cross-partition query). */
export async function queryTicketDocs(opts: { channelId?: string; limit?: number } = {}): Promise<Ticket[]> {
  const limit = Math.max(1, Math.min(opts.limit ?? 200, 1000));
  const where = opts.channelId ? "c.type = 'ticket' AND c.channelId = @channelId" : "c.type = 'ticket'";
  const parameters = [{ name: '@limit', value: limit }, ...(opts.channelId ? [{ name: '@channelId', value: opts.channelId }] : [])];
  const docs = await queryAll<unknown>(await container('tickets'), `SELECT TOP @limit * FROM c WHERE ${where} ORDER BY c.createdAt DESC`, parameters);
  return docs.map(ticketFromDoc);
}

/** Notes of the given tickets, oldest first. */
export async function queryNoteDocs(ticketIds: readonly string[]): Promise<Note[]> {
  if (ticketIds.length === 0) return [];
  const docs = await queryAll<unknown>(
    await container('tickets'),
    "SELECT * FROM c WHERE ARRAY_CONTAINS(@ids, c.ticketId) AND c.type = 'note' ORDER BY c.createdAt ASC",
    [{ name: '@ids', value: [...new Set(ticketIds)] }],
  );
  return docs.map(noteFromDoc);
}

/**
 * The note with this id, wherever its ticket is (a query across tickets: for the rare
 * caller that knows a note's id but not its ticket — the poison handler).
 */
export async function findNoteDoc(noteId: string): Promise<Note | undefined> {
  const [doc] = await queryAll<unknown>(await container('tickets'), "SELECT * FROM c WHERE c.id = @id AND c.type = 'note'", [{ name: '@id', value: noteId }]);
  return doc ? noteFromDoc(doc) : undefined;
}
