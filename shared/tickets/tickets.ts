import { PermanentError } from '../errors';
import { NotFoundError } from '../store/errors';
import { createTicketDoc, createNoteDoc, readTicketDoc, readTicketDocWithEtag, replaceTicketDoc, queryTicketDocs, queryNoteDocs } from '../store/ticket-repository';
import { cosmosStatus } from '../store/errors';
import { TransientError } from '../errors';
import { getTemplate } from './catalogue';
import { checkTicketFields } from './template';
import { sanitizeTicketHtml } from './html';
import { fitToItemLimit, MAX_ITEM_BYTES } from './fit-size';
import { TicketInput, NoteInput, type Ticket, type Note, type TicketWithNotes } from './ticket';

/**
 * Tickets and notes, as the mail pipeline creates them. Both creations are idempotent on
 * the caller's deterministic id (derived from the mail's ledger key): a redelivered mail
 * gets `created: false` and the stored ticket or note back, never a second one.
 */

/**
 * Creates the ticket unless one with `input.id` exists. Throws `PermanentError`
 * (`TICKET_INVALID`, `TEMPLATE_NOT_FOUND`, `TICKET_FIELDS_INVALID`) for input no retry can
 * fix, with a message naming every wrong field; Cosmos failures propagate (retryable).
 */
export async function createTicket(input: TicketInput): Promise<{ ticket: Ticket; created: boolean }> {
  const parsed = TicketInput.safeParse(input);
  if (!parsed.success) throw invalid('TICKET_INVALID', 'ticket', parsed.error.issues);
  const t = parsed.data;
  const template = await getTemplate(t.templateId);
  if (!template) throw new PermanentError('TEMPLATE_NOT_FOUND', `template "${t.templateId}" does not exist`);
  const checked = checkTicketFields(template, t.fields);
  if (checked.issues.length > 0) {
    throw new PermanentError('TICKET_FIELDS_INVALID', `ticket fields do not fit template "${template.id}": ${checked.issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`);
  }
  const ticket: Ticket = fitToItemLimit<Ticket>(
    {
      ...t,
      fields: checked.fields,
      description: { ...t.description, ...(t.description.html !== undefined ? { html: sanitizeTicketHtml(t.description.html) } : {}) },
      createdAt: t.createdAt ?? new Date().toISOString(),
    },
    (d) => ({ ...d.description, fields: d.fields }),
    (d, { fields, ...description }) => ({ ...d, description, fields: fields ?? d.fields }),
  );
  assertFits(ticket, 'ticket');
  return createTicketDoc(ticket);
}

/** Adds the note unless one with `input.id` exists on that ticket. `NotFoundError` when the ticket does not exist. */
/** `ticketExists`: the caller read the ticket a moment ago (a reply's thread resolution), so it is not read again. */
export async function addNote(ticketId: string, input: NoteInput, opts: { ticketExists?: boolean } = {}): Promise<{ note: Note; created: boolean }> {
  const parsed = NoteInput.safeParse(input);
  if (!parsed.success) throw invalid('NOTE_INVALID', 'note', parsed.error.issues);
  const n = parsed.data;
  if (!opts.ticketExists && !(await readTicketDoc(ticketId))) throw new NotFoundError('ticket', ticketId);
  const note: Note = fitToItemLimit<Note>(
    {
      ...n,
      ticketId,
      ...(n.html !== undefined ? { html: sanitizeTicketHtml(n.html) } : {}),
      createdAt: n.createdAt ?? new Date().toISOString(),
    },
    (d) => ({ text: d.text, html: d.html, truncated: d.truncated }),
    (d, s) => {
      const { html: _h, ...rest } = d;
      return { ...rest, text: s.text, ...(s.html !== undefined ? { html: s.html } : {}), ...(s.truncated ? { truncated: true } : {}) };
    },
  );
  assertFits(note, 'note');
  return createNoteDoc(note);
}

/** Rounds of "someone else changed the ticket first: read again" before the caller's retry takes over. */
const MAX_UPDATE_ROUNDS = 8;

/**
 * Changes a ticket under its ETag: `change` gets the ticket as stored and returns the new
 * one, or undefined when there is nothing to change (which makes a repeated update — a
 * redelivered mail — a no-op). `NotFoundError` when the ticket does not exist.
 */
export async function updateTicket(id: string, change: (ticket: Ticket) => Ticket | undefined, opts: { read?: { ticket: Ticket; etag: string } } = {}): Promise<Ticket> {
  // `read`: the ticket as the caller read it with its ETag, so the first round reads nothing (a stale one loses with 412 and is read afresh)
  let known = opts.read;
  for (let round = 0; round < MAX_UPDATE_ROUNDS; round++) {
    const current = known ?? (await readTicketDocWithEtag(id));
    known = undefined;
    if (!current) throw new NotFoundError('ticket', id);
    const next = change(current.ticket);
    if (!next) return current.ticket;
    try {
      return await replaceTicketDoc(next, current.etag);
    } catch (err) {
      if (cosmosStatus(err) !== 412) throw err;
    }
  }
  throw new TransientError('TICKET_CONTENDED', `ticket ${id} kept changing under this update; retry it`);
}

/** The ticket with its notes (oldest first), or undefined. */
export async function getTicket(id: string): Promise<TicketWithNotes | undefined> {
  const ticket = await readTicketDoc(id);
  if (!ticket) return undefined;
  return { ...ticket, notes: await queryNoteDocs([id]) };
}

/** Tickets (newest first), optionally of one channel, each with its notes. */
export async function listTickets(opts: { channelId?: string; limit?: number } = {}): Promise<TicketWithNotes[]> {
  const tickets = await queryTicketDocs(opts);
  const notes = await queryNoteDocs(tickets.map((t) => t.id));
  const byTicket = new Map<string, Note[]>();
  for (const n of notes) byTicket.set(n.ticketId, [...(byTicket.get(n.ticketId) ?? []), n]);
  return tickets.map((t) => ({ ...t, notes: byTicket.get(t.id) ?? [] }));
}

/** Whatever still does not fit (e.g. thousands of attachments) is refused for good rather than retried. */
function assertFits(doc: object, what: string): void {
  if (Buffer.byteLength(JSON.stringify(doc), 'utf8') > MAX_ITEM_BYTES) {
    throw new PermanentError('TICKET_TOO_LARGE', `the ${what} is too large to store even after shortening its text`);
  }
}

function invalid(code: string, what: string, issues: readonly { path: readonly PropertyKey[]; message: string }[]): PermanentError {
  const detail = issues.map((i) => `${i.path.map(String).join('.') || '(root)'}: ${i.message}`).join('; ');
  return new PermanentError(code, `invalid ${what}: ${detail}`);
}
