import { createHash } from 'node:crypto';
import { ZodError } from 'zod';
import type { ChannelRecord } from '../config/channel';
import { PermanentError, TransientError } from '../errors';
import type { Classification, ParsedMail } from '../mail/parsed-mail';
import type { MailInboundMessage, SourceRef } from '../queue/contracts';
import { SOURCE_GONE_CODES, type MailSource } from '../sources/mail-source';
import type { LedgerRecord, LedgerWithEtag, Outcome } from '../store/ledger';
import type { MappableTemplate } from '../tickets/field-mapping';
import { decide, outcomeOf, targetFolder, type Decision, type TicketPlan } from './decide';
import { ledgerKey, ticketIdFor } from './ledger-key';
import { rawBlobName } from '../store/blobs';
import type { FaultHook } from './fault-injection';
import type { MemoryBudget } from './memory-budget';

/**
 * processMail: one mail from the `mail-inbound` queue to its outcome, exactly once.
 *
 *   fetch raw → keep in Blob → parse → ledger (dedup) → decide → ticket → record → move
 *
 * Exactly-once rests on the ledger record (key = channel + Message-ID) and on ids
 * derived from it: the ticket id is a function of the key, the raw blob is named by
 * it, and the ledger moves `received → decided → done` with ETag checks. A crash
 * anywhere leaves a state from which the redelivery finishes the work without
 * repeating what was done. The mail moves only after its outcome is stored.
 *
 * Transient errors (network, throttling) propagate so the queue retries; permanent
 * ones become outcomes with reasons.
 */

export interface ParsedWithContent {
  mail: ParsedMail;
  attachmentContents: Map<string, Buffer>;
}

/** Every I/O the pipeline does, so tests and the dry run can see exactly what happens. */
export interface ProcessDeps {
  loadChannel(id: string): Promise<ChannelRecord | undefined>;
  openSource(channel: ChannelRecord): Promise<MailSource>;
  getTemplate(id: string): Promise<MappableTemplate | undefined>;
  parse(raw: Buffer): Promise<ParsedWithContent>;
  classify(mail: ParsedMail, channel: ChannelRecord): Classification;
  createTicket(input: { id: string; channelId: string; ledgerKey: string; messageId?: string; plan: TicketPlan; attachmentBlobs: Map<string, string> }): Promise<{ ticketId: string; created: boolean }>;
  putRawMail(channelId: string, key: string, raw: Buffer): Promise<string>;
  getRawMail(blobName: string): Promise<Buffer>;
  putAttachment(sha256: string, content: Buffer, contentType: string): Promise<string>;
  readLedger(channelId: string, key: string): Promise<LedgerWithEtag | undefined>;
  createLedger(record: LedgerRecord): Promise<LedgerWithEtag | undefined>;
  replaceLedger(record: LedgerRecord, etag: string): Promise<LedgerWithEtag>;
  now(): Date;
  log(message: string, props?: Record<string, unknown>): void;
  /** Test-only crash points (see fault-injection.ts); undefined in production. */
  fault?: FaultHook;
  /** Bounds the raw bytes processed at once in this process; none = unbounded. */
  memory?: MemoryBudget;
  /** Called once a mail's record is done (telemetry). */
  onDone?(record: LedgerRecord): void;
}

export type ProcessResult =
  | { status: 'done'; key: string; outcome: Outcome; ticketId?: string; ticketCreated?: boolean; movedTo?: string }
  | { status: 'duplicate'; key: string; outcome?: Outcome; movedTo?: string }
  | { status: 'already-done'; key: string; outcome?: Outcome }
  | { status: 'source-gone'; code: string }
  | { status: 'channel-gone' };

export const sameRef = (a: SourceRef, b: SourceRef): boolean => JSON.stringify(a) === JSON.stringify(b);

/** Where the mail sits for the admin: a stable text key for a source ref. */
export const sourceKeyOf = (ref: SourceRef): string => createHash('sha256').update(JSON.stringify(ref)).digest('hex');

export async function processMail(msg: MailInboundMessage, deps: ProcessDeps): Promise<ProcessResult> {
  const channel = await deps.loadChannel(msg.channelId);
  if (!channel) {
    deps.log('channel no longer exists; message dropped', { channelId: msg.channelId });
    return { status: 'channel-gone' };
  }
  // Raw bytes, however obtained (fetched or from Blob), are counted against the process's
  // memory budget until this mail is done (see memory-budget.ts).
  const leases: (() => void)[] = [];
  const hold = async (raw: Buffer): Promise<Buffer> => {
    if (deps.memory) leases.push(await deps.memory.acquire(raw.length));
    return raw;
  };
  const gated: ProcessDeps = { ...deps, getRawMail: async (name) => hold(await deps.getRawMail(name)) };
  let source: MailSource | undefined;
  const openSource = async () => (source ??= withHeldFetch(await deps.openSource(channel), hold));
  try {
    return await run(msg, channel, gated, openSource);
  } catch (err) {
    await noteError(msg, channel.id, err, deps);
    throw err;
  } finally {
    for (const release of leases) release();
    await source?.close().catch(() => undefined);
  }
}

/** The same source, with fetched bytes passed through `hold`. */
function withHeldFetch(s: MailSource, hold: (raw: Buffer) => Promise<Buffer>): MailSource {
  return {
    listNew: (folder, cursor, options) => s.listNew(folder, cursor, options),
    fetchRaw: async (ref) => hold(await s.fetchRaw(ref)),
    move: (ref, target, options) => s.move(ref, target, options),
    ensureFolders: (folders) => s.ensureFolders(folders),
    close: () => s.close(),
  };
}

async function run(msg: MailInboundMessage, channel: ChannelRecord, deps: ProcessDeps, openSource: () => Promise<MailSource>): Promise<ProcessResult> {
  // A retry from the admin API reprocesses the stored raw MIME from scratch.
  if (msg.retryOfLedgerKey) return retry(msg, msg.retryOfLedgerKey, channel, deps, openSource);

  // The listing usually knows the Message-ID: resume from the ledger without fetching
  // again. That matters after a crash between the move and its record: the mail is no
  // longer at the listed ref, but the ledger knows what is left to do.
  if (msg.internetMessageId) {
    const known = await deps.readLedger(channel.id, ledgerKey(channel.id, { messageId: msg.internetMessageId }));
    if (known?.record.state === 'done') return settleCopy(known, msg.source, channel, deps, openSource);
    if (known) waitForFirstCopy(known, msg.source);
    if (known?.record.state === 'decided') return finishMove(await countAttempt(known, deps), msg.source, deps, openSource);
    if (known?.record.rawBlob) {
      const { parsed, parseError } = await parseSafely(await deps.getRawMail(known.record.rawBlob), deps);
      const decided = await decideAndStore(await countAttempt(known, deps), msg, channel, deps, parsed, parseError);
      return finishMove(decided, msg.source, deps, openSource);
    }
  }

  let raw: Buffer;
  try {
    raw = await (await openSource()).fetchRaw(msg.source);
  } catch (err) {
    if (err instanceof PermanentError && SOURCE_GONE_CODES.has(err.code)) {
      deps.log('the mail is no longer where it was listed; nothing to do', { channelId: channel.id, code: err.code, source: msg.source });
      return { status: 'source-gone', code: err.code };
    }
    throw err;
  }
  const { parsed, parseError } = await parseSafely(raw, deps);
  const rawSha256 = parsed?.mail.rawSha256 ?? createHash('sha256').update(raw).digest('hex');
  const key = ledgerKey(channel.id, { messageId: parsed?.mail.messageId, rawSha256 });
  const rawBlob = await deps.putRawMail(channel.id, key, raw);

  // the listing's Message-ID usually is the parsed one: that record was read above already
  const readAbove = msg.internetMessageId !== undefined && key === ledgerKey(channel.id, { messageId: msg.internetMessageId });
  let entry = readAbove ? undefined : await deps.readLedger(channel.id, key);
  let createdHere = false;
  if (!entry) {
    const now = deps.now().toISOString();
    const fresh: LedgerRecord = {
      id: key,
      channelId: channel.id,
      state: 'received',
      messageId: parsed?.mail.messageId,
      rawSha256,
      rawBlob,
      rawSize: raw.length,
      subject: parsed?.mail.subject,
      from: parsed?.mail.from?.address,
      source: msg.source,
      imported: msg.imported,
      attempts: 1,
      stages: [],
      duplicates: [],
      retries: 0,
      timings: { receivedAt: msg.receivedAt, enqueuedAt: msg.enqueuedAt, firstAttemptAt: now },
      updatedAt: now,
    };
    const created = await deps.createLedger(fresh);
    createdHere = created !== undefined;
    // 409: another worker created it a moment ago; continue from what it stored
    entry = created ?? (await deps.readLedger(channel.id, key));
    if (!entry) throw new Error(`ledger record ${key} vanished while being created`);
  }
  if (!createdHere) {
    if (entry.record.state === 'done') return settleCopy(entry, msg.source, channel, deps, openSource);
    waitForFirstCopy(entry, msg.source);
    entry = await countAttempt(entry, deps);
  }

  if (entry.record.state === 'received') entry = await decideAndStore(entry, msg, channel, deps, parsed, parseError);
  return finishMove(entry, msg.source, deps, openSource);
}

/**
 * Another copy of the same mail (same Message-ID, another place in the mailbox) is
 * still being processed: this copy waits (the queue redelivers it) and then follows the
 * first one's outcome as a recorded duplicate. Racing both would be safe for the ticket
 * but would lose track of which copy went where.
 */
function waitForFirstCopy(entry: LedgerWithEtag, ref: SourceRef): void {
  if (!sameRef(entry.record.source, ref)) {
    throw new TransientError('COPY_IN_FLIGHT', `another copy of mail ${entry.record.id} is being processed; this copy follows once it is done`);
  }
}

const countAttempt = (entry: LedgerWithEtag, deps: ProcessDeps) => deps.replaceLedger({ ...entry.record, attempts: entry.record.attempts + 1 }, entry.etag);

/** Runs the stages, writes the ticket (idempotent id), stores the outcome: `received → decided`. */
async function decideAndStore(
  entry: LedgerWithEtag,
  msg: Pick<MailInboundMessage, 'receivedAt' | 'enqueuedAt'>,
  channel: ChannelRecord,
  deps: ProcessDeps,
  parsed: ParsedWithContent | undefined,
  parseError: PermanentError | undefined,
): Promise<LedgerWithEtag> {
  deps.fault?.('before-decide', parsed?.mail.subject);
  let decision: Decision;
  if (!parsed) {
    const reason = parseError?.message ?? 'the mail could not be parsed';
    decision = { action: 'reject', code: 'MIME_UNPARSEABLE', reason, stages: [{ stage: 'parse', result: { verdict: 'reject', code: 'MIME_UNPARSEABLE', reason } }] };
  } else {
    const template = await deps.getTemplate(channel.ticketMapping.templateId);
    decision = decide({
      channel,
      mail: parsed.mail,
      classification: deps.classify(parsed.mail, channel),
      folder: entry.record.source.folder,
      template,
      receivedAt: msg.receivedAt ?? parsed.mail.date ?? msg.enqueuedAt,
    });
  }

  let ticketId: string | undefined;
  if (decision.action === 'createTicket' && parsed) {
    const blobs = new Map<string, string>();
    for (const a of decision.ticket.attachments) {
      if (a.blocked) continue;
      const content = parsed.attachmentContents.get(a.sha256);
      if (content) blobs.set(a.sha256, await deps.putAttachment(a.sha256, content, a.contentType));
    }
    try {
      const res = await deps.createTicket({
        id: ticketIdFor(entry.record.id),
        channelId: channel.id,
        ledgerKey: entry.record.id,
        messageId: parsed.mail.messageId,
        plan: decision.ticket,
        attachmentBlobs: blobs,
      });
      ticketId = res.ticketId;
      deps.log(res.created ? 'ticket created' : 'ticket already existed (redelivery)', { ticketId, key: entry.record.id });
    } catch (err) {
      // the ticketing side refusing this ticket for good is an outcome, not a reason to retry five times
      if (!(err instanceof PermanentError) && !(err instanceof ZodError)) throw err;
      const reason = `the ticketing system refused the ticket: ${err instanceof ZodError ? err.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') : err.message}`;
      decision = { action: 'reject', code: 'TICKET_REJECTED', reason, stages: [...decision.stages, { stage: 'create-ticket', result: { verdict: 'reject', code: 'TICKET_REJECTED', reason } }] };
    }
  }

  const outcome = outcomeOf(decision);
  const next: LedgerRecord = {
    ...entry.record,
    state: 'decided',
    outcome,
    reasonCode: decision.action === 'createTicket' ? undefined : decision.code,
    reason: decision.action === 'createTicket' ? undefined : decision.reason,
    ticketId,
    stages: decision.stages,
    targetFolder: targetFolder(decision, channel.folders),
    lastError: undefined,
    timings: { ...entry.record.timings, decidedAt: deps.now().toISOString() },
  };
  return deps.replaceLedger(next, entry.etag);
}

/** Moves the mail to its target folder (if any) and closes the record: `decided → done`. */
async function finishMove(entry: LedgerWithEtag, ref: SourceRef, deps: ProcessDeps, openSource: () => Promise<MailSource>): Promise<ProcessResult> {
  const r = entry.record;
  deps.fault?.('before-move', r.subject);
  let newRef = ref;
  if (r.targetFolder && r.targetFolder.toLowerCase() !== ref.folder.toLowerCase()) {
    newRef = await (await openSource()).move(ref, r.targetFolder, { internetMessageId: r.messageId });
  }
  const doneAt = deps.now();
  const startedAt = Date.parse(r.timings.receivedAt ?? r.timings.enqueuedAt ?? r.timings.firstAttemptAt);
  const done = await deps.replaceLedger(
    {
      ...r,
      state: 'done',
      source: newRef,
      movedAt: r.targetFolder ? doneAt.toISOString() : undefined,
      timings: { ...r.timings, doneAt: doneAt.toISOString(), latencyMs: Number.isNaN(startedAt) ? undefined : Math.max(0, doneAt.getTime() - startedAt) },
    },
    entry.etag,
  );
  deps.onDone?.(done.record);
  return { status: 'done', key: r.id, outcome: r.outcome ?? 'failed', ticketId: r.ticketId, movedTo: r.targetFolder };
}

/**
 * A mail whose record is done arrives again. The same copy (a redelivered message):
 * nothing to do. Another copy of it (the same Message-ID delivered twice into the
 * mailbox): no new ticket; the copy follows the first one's folder so the inbox empties.
 */
export async function settleCopy(entry: LedgerWithEtag, ref: SourceRef, channel: ChannelRecord, deps: ProcessDeps, openSource: () => Promise<MailSource>): Promise<ProcessResult> {
  const r = entry.record;
  const target = r.targetFolder;
  const inPlace = sameRef(r.source, ref) || (target !== undefined && target.toLowerCase() === ref.folder.toLowerCase());
  if (inPlace || r.duplicates.some((d) => sameRef(d.source, ref) && d.movedAt)) return { status: 'already-done', key: r.id, outcome: r.outcome };
  let movedAt: string | undefined;
  if (target) {
    await (await openSource()).move(ref, target, { internetMessageId: r.messageId });
    movedAt = deps.now().toISOString();
  }
  await deps.replaceLedger({ ...r, duplicates: [...r.duplicates, { source: ref, seenAt: deps.now().toISOString(), movedAt }] }, entry.etag);
  deps.log('duplicate copy of an already processed mail', { key: r.id, channelId: channel.id });
  return { status: 'duplicate', key: r.id, outcome: r.outcome, movedTo: target };
}

/**
 * Keeps the error of a failed attempt on the ledger record (when there is one), so the
 * poison handler and the admin see why a mail is stuck. Best effort: never masks `err`.
 */
async function noteError(msg: MailInboundMessage, channelId: string, err: unknown, deps: ProcessDeps): Promise<void> {
  const key = msg.retryOfLedgerKey ?? (msg.internetMessageId ? ledgerKey(channelId, { messageId: msg.internetMessageId }) : undefined);
  const e = err as { code?: unknown; message?: unknown };
  deps.log('processing attempt failed', { channelId, key, code: e.code, error: String(e.message ?? err) });
  if (!key) return;
  try {
    const entry = await deps.readLedger(channelId, key);
    // only this copy's own record: writing another worker's in-flight record would make its next write fail (412)
    if (!entry || entry.record.state === 'done' || !sameRef(entry.record.source, msg.source)) return;
    const lastError = { code: String(e.code ?? 'ERROR'), message: String(e.message ?? err).slice(0, 1000), at: deps.now().toISOString() };
    await deps.replaceLedger({ ...entry.record, lastError }, entry.etag);
  } catch {
    // the original error matters more
  }
}

/** Parse failures are permanent: a parser that chokes on these bytes will choke again. */
async function parseSafely(raw: Buffer, deps: ProcessDeps): Promise<{ parsed?: ParsedWithContent; parseError?: PermanentError }> {
  try {
    return { parsed: await deps.parse(raw) };
  } catch (err) {
    return { parseError: err instanceof PermanentError ? err : new PermanentError('MIME_UNPARSEABLE', `the mail could not be parsed: ${(err as Error).message}`) };
  }
}

/** Reprocesses a recorded mail from its stored raw MIME (admin retry). */
async function retry(msg: MailInboundMessage, key: string, channel: ChannelRecord, deps: ProcessDeps, openSource: () => Promise<MailSource>): Promise<ProcessResult> {
  const entry = await deps.readLedger(channel.id, key);
  if (!entry) throw new PermanentError('LEDGER_NOT_FOUND', `no ledger record ${key} in channel ${channel.id}`);
  // A mail that never got fetched (e.g. poisoned by a network failure) is fetched now, from where it is.
  let raw: Buffer;
  if (entry.record.rawBlob) raw = await deps.getRawMail(entry.record.rawBlob);
  else {
    raw = await (await openSource()).fetchRaw(entry.record.source);
    await deps.putRawMail(channel.id, key, raw);
  }
  const { parsed, parseError } = await parseSafely(raw, deps);
  let current = entry;
  if (current.record.state !== 'received') {
    current = await deps.replaceLedger(
      {
        ...current.record,
        state: 'received',
        rawBlob: current.record.rawBlob ?? rawBlobName(channel.id, key),
        messageId: current.record.messageId ?? parsed?.mail.messageId,
        subject: current.record.subject ?? parsed?.mail.subject,
        from: current.record.from ?? parsed?.mail.from?.address,
        retries: current.record.retries + 1,
        attempts: current.record.attempts + 1,
        lastError: undefined,
      },
      current.etag,
    );
  }
  const decided = await decideAndStore(current, { receivedAt: current.record.timings.receivedAt, enqueuedAt: msg.enqueuedAt }, channel, deps, parsed, parseError);
  return finishMove(decided, decided.record.source, deps, openSource);
}
