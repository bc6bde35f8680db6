import { z } from 'zod';
import { OutboundMail } from './mail-sender';
import { FUNCTION_TIMEOUT_MS } from '../function-timeout';

/**
 * The outbox: one record per mail to send, written before its queue message, so a mail is
 * sent exactly as often as a decision asked for it (the transactional outbox).
 *
 *   queued ──claim──▶ sending ──provider accepted──▶ sent
 *      ▲                 │
 *      └─transient error─┘        permanent error / poison ──▶ failed (with the reason)
 *
 * Every transition is an ETag-guarded replace (shared/store/outbox.ts); the rules here are
 * pure. The one duplicate window: the provider accepted the mail and the `sent` write did
 * not happen. A redelivery then finds `sending` with its own (or an expired) claim and sends
 * again — with the same Message-ID, so a receiving server or our own ingestion can tell.
 */

export const OutboxPurpose = z.enum(['autoResponse', 'agentReply', 'notification']);
export type OutboxPurpose = z.infer<typeof OutboxPurpose>;

/** An attachment by reference: its bytes stay in Blob storage (shared/store/blobs.ts). */
export const OutboxAttachment = z.object({
  filename: z.string().min(1).max(255),
  contentType: z.string().min(1).optional(),
  cid: z.string().min(1).optional(),
  /** Blob name in the attachments container. */
  blobName: z.string().min(1),
});
export type OutboxAttachment = z.infer<typeof OutboxAttachment>;

/** The mail as stored: `OutboundMail` without attachment bytes; the Message-ID is the record's. */
export const OutboxMail = OutboundMail.omit({ attachments: true, messageId: true }).extend({
  attachments: z.array(OutboxAttachment).optional(),
});
export type OutboxMail = z.infer<typeof OutboxMail>;

export const OutboxState = z.enum(['queued', 'sending', 'sent', 'failed']);
export type OutboxState = z.infer<typeof OutboxState>;

const ErrorNote = z.object({ code: z.string(), message: z.string(), at: z.iso.datetime() });

/**
 * A delivery failure reported after the provider accepted the mail (a bounce that names
 * its Message-ID): the record stays `sent` — it was sent — and says it did not arrive.
 */
export const OutboxBounce = z.object({
  /** One line, e.g. `550 5.1.1 <x@example.org>... User unknown`. */
  reason: z.string().min(1).max(300),
  recipient: z.string().max(320).optional(),
  /** RFC 3463 enhanced status code, e.g. `5.1.1`. */
  status: z.string().max(11).optional(),
  /** When the bounce was processed. */
  at: z.iso.datetime(),
});
export type OutboxBounce = z.infer<typeof OutboxBounce>;

export const OutboxRecord = z.object({
  /** The outbox key, from the decision's key: `<ledgerKey>:<purpose>` (or `<noteId>:agentReply`, …). */
  id: z.string().min(1).max(255),
  channelId: z.string().min(1),
  purpose: OutboxPurpose,
  /** The ticket the mail is about, when there is one. */
  ticketId: z.string().optional(),
  mail: OutboxMail,
  /** `<id@domain>` from `outgoingMessageId(id, domain)`: the same on every attempt. */
  messageId: z.string().regex(/^<[^<>\s]+>$/),
  state: OutboxState,
  /** The queue delivery sending it, until `until` (see SEND_CLAIM_MS). */
  claim: z.object({ by: z.string(), until: z.iso.datetime() }).optional(),
  /** Provider calls started (a redelivery after the accept-before-record crash counts twice). */
  attempts: z.number().int().min(0).default(0),
  lastError: ErrorNote.optional(),
  /** Why it was given up (state `failed`). */
  failure: z.object({ code: z.string(), reason: z.string() }).optional(),
  /** The latest bounce of the sent mail. */
  bounce: OutboxBounce.optional(),
  createdAt: z.iso.datetime(),
  sendingAt: z.iso.datetime().optional(),
  sentAt: z.iso.datetime().optional(),
  failedAt: z.iso.datetime().optional(),
  updatedAt: z.iso.datetime(),
});
export type OutboxRecord = z.infer<typeof OutboxRecord>;
export type OutboxRecordInput = z.input<typeof OutboxRecord>;

/**
 * How long a delivery's claim keeps other deliveries of the same record away: the host's
 * function timeout (10 min), so a claim outlives any live attempt. The redelivery of the same
 * queue message holds the claim already (its id is the claim holder) and goes on at once.
 */
export const SEND_CLAIM_MS = FUNCTION_TIMEOUT_MS;

/** A new record, queued. */
export function newOutboxRecord(input: {
  id: string;
  channelId: string;
  purpose: OutboxPurpose;
  mail: OutboxMail;
  messageId: string;
  ticketId?: string;
  now: Date;
}): OutboxRecord {
  const at = input.now.toISOString();
  return OutboxRecord.parse({
    id: input.id,
    channelId: input.channelId,
    purpose: input.purpose,
    ...(input.ticketId ? { ticketId: input.ticketId } : {}),
    mail: input.mail,
    messageId: input.messageId,
    state: 'queued',
    attempts: 0,
    createdAt: at,
    updatedAt: at,
  });
}

export type SendStep =
  | { action: 'skip'; why: 'sent' | 'failed' | 'held-by-another' }
  /** `resend`: a previous attempt may have handed it to the provider (the duplicate window). */
  | { action: 'send'; resend: boolean };

/** What a delivery `me` does with the record now. */
export function sendStep(r: OutboxRecord, me: string, now: Date): SendStep {
  if (r.state === 'sent') return { action: 'skip', why: 'sent' };
  if (r.state === 'failed') return { action: 'skip', why: 'failed' };
  if (r.state === 'sending') {
    const live = r.claim !== undefined && r.claim.by !== me && Date.parse(r.claim.until) > now.getTime();
    if (live) return { action: 'skip', why: 'held-by-another' };
    return { action: 'send', resend: true };
  }
  return { action: 'send', resend: false };
}

/** Claimed by `me` and about to go to the provider. */
export function claimed(r: OutboxRecord, me: string, now: Date): OutboxRecord {
  const at = now.toISOString();
  return { ...r, state: 'sending', claim: { by: me, until: new Date(now.getTime() + SEND_CLAIM_MS).toISOString() }, attempts: r.attempts + 1, sendingAt: at, updatedAt: at };
}

export function sent(r: OutboxRecord, now: Date): OutboxRecord {
  const at = now.toISOString();
  return { ...r, state: 'sent', claim: undefined, sentAt: at, updatedAt: at };
}

/**
 * The provider refused or could not be reached: the mail was not accepted, so a retry may
 * send it (transient → back to `queued`), or never will (permanent → `failed`).
 */
export function attemptFailed(r: OutboxRecord, error: { code: string; message: string; retryable: boolean }, now: Date): OutboxRecord {
  const at = now.toISOString();
  const lastError = { code: error.code, message: error.message, at };
  if (error.retryable) return { ...r, state: 'queued', claim: undefined, lastError, updatedAt: at };
  return { ...r, state: 'failed', claim: undefined, lastError, failure: { code: error.code, reason: error.message }, failedAt: at, updatedAt: at };
}

/**
 * The queue gave up on the message (poison): the record is failed with the last error, unless
 * it was sent after all (the last attempt crashed after the `sent` write) or failed already.
 */
export function poisoned(r: OutboxRecord, now: Date): OutboxRecord | undefined {
  if (r.state === 'sent' || r.state === 'failed') return undefined;
  const at = now.toISOString();
  const failure = r.lastError
    ? { code: r.lastError.code, reason: r.lastError.message }
    : { code: 'SEND_RETRIES_EXHAUSTED', reason: `gave up after ${r.attempts} attempt(s) without an error recorded (the worker stopped mid-send)` };
  return { ...r, state: 'failed', claim: undefined, failure, failedAt: at, updatedAt: at };
}

/**
 * The record with the bounce marked: its state stays as it was (a bounce comes after the
 * provider accepted the mail). Undefined when that bounce is marked already — the same
 * reason, recipient and status; its time does not count, so a redelivered bounce writes
 * nothing — and a different bounce replaces the one before.
 */
export function bounced(r: OutboxRecord, bounce: OutboxBounce, now: Date = new Date(bounce.at)): OutboxRecord | undefined {
  const next = OutboxBounce.parse(bounce);
  const prev = r.bounce;
  if (prev && prev.reason === next.reason && prev.recipient === next.recipient && prev.status === next.status) return undefined;
  return { ...r, bounce: next, updatedAt: now.toISOString() };
}
