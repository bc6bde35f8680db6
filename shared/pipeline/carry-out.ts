import { ZodError } from 'zod';
import { storeAttachmentsFromRaw, type LargeMailDeps } from './large-mail';
import { composeAutoResponse } from '../answers/auto-response';
import { channelIdentity, channelOwnAddresses } from '../answers/channel-identity';
import { ticketLinkOf } from '../answers/ticket-link';
import type { ChannelRecord } from '../config/channel';
import { PermanentError } from '../errors';
import { outboxRecordOf, outgoingMessageIdFor } from '../outbound/outgoing';
import type { OutboxRecord } from '../outbound/outbox';
import type { OwnMailBounce } from '../outbound/bounce-of-own-mail';
import type { LedgerRecord } from '../store/ledger';
import type { ReceivedMail } from '../store/thread-index';
import { embedMarker } from '../threading/thread-marker';
import { formatToken, tokenRef } from '../threading/ticket-token';
import type { AttachmentVerdict } from './attachment-policy';
import type { Decision, NotePlan, TicketPlan } from './decide';
import { noteIdFor, ticketIdFor } from './ledger-key';
import type { ParsedWithContent } from './process-mail';
import { autoResponseOutboxId } from './resolve-mail';

/**
 * Carries out a decision: the ticket or the note, the thread-index entry of the mail, and
 * the mails the decision asked for (through the outbox). Every step is create-once on ids
 * derived from the ledger key, so a redelivery that carries the same decision out again
 * repeats nothing: one ticket, one note, one acknowledgement.
 */
export interface CarryOutDeps {
  putAttachment(sha256: string, content: Buffer, contentType: string): Promise<string>;
  /** Large mail (large-mail.ts): attachments not kept in memory are streamed from the stored raw mail; none = every mail in memory. */
  largeMail?: LargeMailDeps;
  createTicket(input: { id: string; channelId: string; ledgerKey: string; messageId?: string; rawBlob?: string; number?: number; plan: TicketPlan; attachmentBlobs: Map<string, string> }): Promise<{ ticketId: string; created: boolean }>;
  addNote(input: { id: string; channelId: string; ledgerKey: string; messageId?: string; rawBlob?: string; plan: NotePlan; attachmentBlobs: Map<string, string>; at: string }): Promise<{ noteId: string; created: boolean }>;
  /**
   * The ticket's number (thread-index.ts `ticketNumberFor`): the same on every ask.
   * `unclaimed`: no number can have been asked for it yet (saves a read; still safe if wrong).
   */
  ticketNumber(ticketId: string, channelId: string, options?: { unclaimed?: boolean }): Promise<number>;
  /**
   * Writes `indexing` to the thread index now (create-once each: the first ticket of a
   * conversation keeps it); one request for all of them. Only when answers are about to go:
   * otherwise the write that closes the mail's record carries them (`CarriedOut.indexing`).
   */
  recordThread(indexing: ThreadIndexing): Promise<void>;
  tokenKeys(): Promise<Buffer[]>;
  /** Thread-index entries (unless `sentRecorded`: recordThread wrote them), outbox records and queue messages of the mails to send (outbound/dispatch.ts). */
  dispatch(records: readonly OutboxRecord[], options?: { sentRecorded?: boolean }): Promise<void>;
  /** Reserves one automatic answer to the sender within `limit` per hour (answer counters; the same Message-ID reserves once); false = the hour is full. */
  reserveAnswer(channelId: string, sender: string, at: Date, messageId: string, limit: number): Promise<boolean>;
  /** Marks a bounce of our mail on its outbox record and ticket (outbound/bounce-of-own-mail.ts `recordOwnMailBounce`). */
  recordOwnMailBounce(found: OwnMailBounce): Promise<void>;
  /** `PUBLIC_BASE_URL`, for ticket links when the channel names no portal. */
  publicBaseUrl?: string | undefined;
  now(): Date;
  log(message: string, props?: Record<string, unknown>): void;
}

export type LedgerAnswer = NonNullable<LedgerRecord['answers']>[number];

/** What the thread index is to learn of a mail: its Message-ID and (Graph) conversation, and the Message-IDs of the answers it gets, → its ticket. */
export interface ThreadIndexing {
  channelId: string;
  mail: ReceivedMail;
  ticketId: string;
}

export interface CarriedOut {
  /** The decision as it stands after carrying out (a refused ticket or note turns it into a rejection). */
  decision: Decision;
  ticketId?: string;
  noteId?: string;
  answers: LedgerAnswer[];
  /** Thread-index entries not written yet: the write that closes the record creates them (store/ledger.ts `replaceLedger`). */
  indexing?: ThreadIndexing;
}

export async function carryOut(decision: Decision, record: LedgerRecord, channel: ChannelRecord, parsed: ParsedWithContent, deps: CarryOutDeps): Promise<CarriedOut> {
  if (decision.action === 'ignore' && decision.bounce) {
    await deps.recordOwnMailBounce(decision.bounce);
    return { decision, ticketId: decision.bounce.ticketId, answers: [] };
  }
  try {
    if (decision.action === 'createTicket') return await carryOutTicket(decision, record, channel, parsed, deps);
    if (decision.action === 'addNote') return await carryOutNote(decision, record, channel, parsed, deps);
  } catch (err) {
    // the ticketing side refusing this ticket or note for good is an outcome, not a reason to retry five times
    if (!(err instanceof PermanentError) && !(err instanceof ZodError)) throw err;
    const what = decision.action === 'createTicket' ? 'ticket' : 'note';
    const code = decision.action === 'createTicket' ? 'TICKET_REJECTED' : 'NOTE_REJECTED';
    const reason = `the ticketing system refused the ${what}: ${err instanceof ZodError ? err.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') : err.message}`;
    return {
      decision: { action: 'reject', code, reason, stages: [...decision.stages, { stage: `create-${what}`, result: { verdict: 'reject', code, reason } }], ...(decision.thread ? { thread: decision.thread } : {}) },
      answers: [],
    };
  }
  return { decision, answers: [] };
}

async function storeAttachments(list: readonly AttachmentVerdict[], parsed: ParsedWithContent, deps: CarryOutDeps): Promise<Map<string, string>> {
  const blobs = new Map<string, string>();
  const inRaw: AttachmentVerdict[] = [];
  for (const a of list) {
    if (a.blocked) continue;
    const content = parsed.attachmentContents.get(a.sha256);
    if (content) blobs.set(a.sha256, await deps.putAttachment(a.sha256, content, a.contentType));
    else if (parsed.attachmentsInRaw?.parts.has(a.sha256)) inRaw.push(a);
  }
  if (inRaw.length && parsed.attachmentsInRaw && deps.largeMail) {
    for (const [sha256, name] of await storeAttachmentsFromRaw(parsed.attachmentsInRaw, inRaw, deps.largeMail)) blobs.set(sha256, name);
  }
  return blobs;
}

async function carryOutTicket(decision: Extract<Decision, { action: 'createTicket' }>, record: LedgerRecord, channel: ChannelRecord, parsed: ParsedWithContent, deps: CarryOutDeps): Promise<CarriedOut> {
  const id = ticketIdFor(record.id);
  // The number is what mails about the ticket show (its subject token): handed out when one
  // is to go, else on the first agent reply (admin/ticket-mail.ts) — a channel that does
  // not acknowledge spends no counter, entries or reads on it (2 Cosmos operations: the
  // counter's patch and one batch). The ticket's id is the mail's, so on the mail's first
  // attempt nobody can have asked for its number: no read of an earlier claim then.
  const number = decision.answers.some((a) => a.send) ? await deps.ticketNumber(id, channel.id, { unclaimed: record.attempts <= 1 && record.retries === 0 }) : undefined;
  const attachmentBlobs = await storeAttachments(decision.ticket.attachments, parsed, deps);
  const res = await deps.createTicket({
    id,
    channelId: channel.id,
    ledgerKey: record.id,
    messageId: parsed.mail.messageId,
    ...(record.rawBlob ? { rawBlob: record.rawBlob } : {}),
    number,
    plan: decision.ticket,
    attachmentBlobs,
  });
  deps.log(res.created ? 'ticket created' : 'ticket already existed (redelivery)', { ticketId: res.ticketId, key: record.id });
  // without a number no answer is to go (prepareAnswers reads it only for one that goes)
  const prepared = await prepareAnswers(decision.answers, { id: res.ticketId, number: number ?? 0, title: decision.ticket.title }, record, channel, parsed, deps);
  const indexing = await recordThread(record, channel, parsed, res.ticketId, prepared, deps);
  return { decision, ticketId: res.ticketId, answers: await sendPrepared(prepared, channel, deps), ...(indexing ? { indexing } : {}) };
}

async function carryOutNote(decision: Extract<Decision, { action: 'addNote' }>, record: LedgerRecord, channel: ChannelRecord, parsed: ParsedWithContent, deps: CarryOutDeps): Promise<CarriedOut> {
  const attachmentBlobs = await storeAttachments(decision.note.attachments, parsed, deps);
  const res = await deps.addNote({
    id: noteIdFor(record.id),
    channelId: channel.id,
    ledgerKey: record.id,
    messageId: parsed.mail.messageId,
    ...(record.rawBlob ? { rawBlob: record.rawBlob } : {}),
    plan: decision.note,
    attachmentBlobs,
    at: record.timings.receivedAt ?? parsed.mail.date ?? deps.now().toISOString(),
  });
  deps.log(res.created ? 'note added' : 'note already existed (redelivery)', { ticketId: decision.note.ticketId, noteId: res.noteId, key: record.id });
  // an acknowledgement of a note (autoResponse.onNote) names the ticket as it is
  const wants = decision.answers.some((a) => a.send);
  const number = wants ? await deps.ticketNumber(decision.note.ticketId, channel.id) : 0;
  const prepared = await prepareAnswers(decision.answers, { id: decision.note.ticketId, number, title: parsed.mail.subject || decision.note.ticketId }, record, channel, parsed, deps);
  const indexing = await recordThread(record, channel, parsed, decision.note.ticketId, prepared, deps);
  return { decision, ticketId: decision.note.ticketId, noteId: res.noteId, answers: await sendPrepared(prepared, channel, deps), ...(indexing ? { indexing } : {}) };
}

/**
 * Where the mail went, for the replies to it: its Message-ID, (Graph) its conversation and
 * the Message-IDs of the answers about to go. With answers, written now — before any of
 * them is queued, so even the fastest reply finds the ticket (an answer the rate limit
 * then stops leaves an entry no mail will ever name). Without, returned for the write that
 * closes the record, moments later, to carry (one Cosmos request fewer per mail): until
 * then only someone copied on the mail could name it, and an attempt that dies before the
 * close leaves the record open for the queue's retry, which decides again and writes them.
 */
async function recordThread(record: LedgerRecord, channel: ChannelRecord, parsed: ParsedWithContent, ticketId: string, prepared: readonly PreparedAnswer[], deps: CarryOutDeps): Promise<ThreadIndexing | undefined> {
  const sent = prepared.flatMap((p) => ('outbox' in p ? [{ messageId: p.outbox.messageId, outboxId: p.outbox.id }] : []));
  if (!parsed.mail.messageId && !record.conversationId && !sent.length) return undefined;
  const indexing: ThreadIndexing = { channelId: channel.id, mail: { messageId: parsed.mail.messageId, conversationId: record.conversationId, ...(sent.length ? { sent } : {}) }, ticketId };
  if (!sent.length) return indexing;
  await deps.recordThread(indexing);
  return undefined;
}

/** An answer ready to go (its outbox record) once the rate limit allows, or why none goes. */
type PreparedAnswer = { purpose: string; to: string; outbox: OutboxRecord } | { purpose: string; suppression: { code: string; message: string } };

/** The acknowledgement the decision asked for, composed, signed and marked as its outbox record; or why not. */
async function prepareAnswers(
  wanted: Decision extends infer D ? (D extends { answers: infer A } ? A : never) : never,
  ticket: { id: string; number: number; title: string },
  record: LedgerRecord,
  channel: ChannelRecord,
  parsed: ParsedWithContent,
  deps: CarryOutDeps,
): Promise<PreparedAnswer[]> {
  const out: PreparedAnswer[] = [];
  for (const answer of wanted) {
    if (!answer.send) {
      out.push({ purpose: answer.purpose, suppression: answer.suppression });
      continue;
    }
    const outboxId = autoResponseOutboxId(record.id);
    const settings = channel.answers;
    const format = channel.threading.token;
    let messageId: string;
    try {
      messageId = outgoingMessageIdFor(outboxId, channel.connection.username);
    } catch (err) {
      out.push({ purpose: answer.purpose, suppression: { code: 'CHANNEL_ADDRESS_INVALID', message: (err as Error).message } });
      continue;
    }
    const [key] = await deps.tokenKeys();
    if (!key) throw new Error('no ticket-token key');
    const composed = composeAutoResponse({
      settings,
      channel: channelIdentity(channel),
      ticket: { id: ticket.id, number: ticket.number, title: ticket.title, link: ticketLinkOf(settings, deps.publicBaseUrl, ticket.id) },
      mail: { from: answer.to, subject: parsed.mail.subject, messageId: parsed.mail.messageId, references: parsed.mail.references },
      ourAddresses: channelOwnAddresses(channel, settings),
      token: formatToken(format, channel.id, ticket.number, key),
      tokenFormat: format,
      messageId,
    });
    if (!composed.send) {
      out.push({ purpose: answer.purpose, suppression: composed.suppression });
      continue;
    }
    const marked = embedMarker(composed.mail.html, composed.mail.text, tokenRef(format, channel.id, ticket.number, key));
    const outbox = outboxRecordOf({
      outboxId,
      channelId: channel.id,
      purpose: 'autoResponse',
      ticketId: ticket.id,
      mail: { ...composed.mail, text: marked.text, ...(marked.html !== undefined ? { html: marked.html } : {}) },
      messageId,
      now: deps.now(),
    });
    out.push({ purpose: answer.purpose, to: answer.to.address, outbox });
  }
  return out;
}

/** Each prepared answer through the rate limit into the outbox (its thread-index entry is written already); what the record says of each. */
async function sendPrepared(prepared: readonly PreparedAnswer[], channel: ChannelRecord, deps: CarryOutDeps): Promise<LedgerAnswer[]> {
  const out: LedgerAnswer[] = [];
  for (const p of prepared) {
    if (!('outbox' in p)) {
      out.push(p);
      continue;
    }
    // the decision read the counters before any mail of a burst counted: the reservation is the gate
    const limit = channel.answers.autoResponse.perSenderPerHour;
    if (!(await deps.reserveAnswer(channel.id, p.to, deps.now(), p.outbox.messageId, limit))) {
      out.push({ purpose: p.purpose, suppression: { code: 'RATE_LIMITED', message: `${limit} automatic answer(s) went to this sender within the last hour (counted when this one was to go)` } });
      continue;
    }
    await deps.dispatch([p.outbox], { sentRecorded: true });
    out.push({ purpose: p.purpose, outboxId: p.outbox.id, to: p.to });
  }
  return out;
}
