import { createHash, randomUUID } from 'node:crypto';
import type { ChannelRecord } from '../config/channel';
import { PermanentError, TransientError } from '../errors';
import type { Classification, ParsedMail } from '../mail/parsed-mail';
import type { MailInboundMessage, SourceRef } from '../queue/contracts';
import { SOURCE_GONE_CODES, type MailSource } from '../sources/mail-source';
import type { LedgerRecord, LedgerWithEtag, Outcome } from '../store/ledger';
import type { MappableTemplate } from '../tickets/field-mapping';
import { decide, outcomeOf, targetFolder, type Decision } from './decide';
import { carryOut, type CarriedOut, type CarryOutDeps, type ThreadIndexing } from './carry-out';
import { resolveMail, type ResolutionDeps } from './resolve-mail';
import { ledgerKey } from './ledger-key';
import { headerFactsOf, parseStored, STREAMED_MAIL_HELD_BYTES, takeIn, tooLargeError, type Intake } from './large-mail';
import { rawBlobName } from '../store/blobs';
import { cosmosStatus } from '../store/errors';
import type { FaultHook } from './fault-injection';
import type { MemoryBudget } from './memory-budget';
import { FUNCTION_TIMEOUT_MS } from '../function-timeout';
import { tallyChanges, tallyOf, type CounterChange } from './stats-tally';

/**
 * processMail: one mail from the `mail-inbound` queue to its outcome, exactly once.
 *
 *   fetch raw → keep in Blob → parse → ledger (dedup) → decide → ticket → record → move
 *
 * Exactly-once rests on the ledger record (key = channel + Message-ID) and on ids
 * derived from it: the ticket id is a function of the key, the raw blob is named by
 * it, and the ledger moves `received → done` with ETag checks — one write after the
 * move carries the outcome; `decided` (the outcome stored, the move still to do) is
 * written only when the move fails, so the queue's retry only moves. A crash anywhere
 * leaves a state from which the redelivery finishes the work without repeating what
 * was done: a record still `received` is decided again from the stored raw mail, and
 * every step of carrying out is create-once on ids derived from the key (the mail's own
 * ticket is never taken for the thread it replies to — resolve-mail.ts).
 *
 * Transient errors (network, throttling) propagate so the queue retries; permanent
 * ones become outcomes with reasons.
 *
 * Concurrency: two messages can name the same mail (overlapping listings, a queue
 * redelivery while the first delivery still runs) and copies of a mail can be processed
 * at once. Every ledger write is ETag-guarded; a write that loses (412) means someone else
 * moved the record on, so the attempt reads it again and follows from there — never a
 * failure. A delivery claims the record while it works on it; another message for the
 * same place meanwhile is a no-op. A copy in another place is recorded on the first copy's
 * record and moved with it.
 */

export interface ParsedWithContent {
  mail: ParsedMail;
  attachmentContents: Map<string, Buffer>;
  /** A large mail's attachments left in its stored raw mail (parse.ts), streamed from there when stored. */
  attachmentsInRaw?: { rawBlob: string; parts: Map<string, number> };
}

/** Every I/O the pipeline does, so tests and the dry run can see exactly what happens. */
export interface ProcessDeps extends ResolutionDeps, CarryOutDeps {
  loadChannel(id: string): Promise<ChannelRecord | undefined>;
  openSource(channel: ChannelRecord): Promise<MailSource>;
  getTemplate(id: string): Promise<MappableTemplate | undefined>;
  parse(raw: Buffer): Promise<ParsedWithContent>;
  classify(mail: ParsedMail, channel: ChannelRecord): Classification;
  putRawMail(channelId: string, key: string, raw: Buffer): Promise<string>;
  getRawMail(blobName: string): Promise<Buffer>;
  readLedger(channelId: string, key: string): Promise<LedgerWithEtag | undefined>;
  createLedger(record: LedgerRecord): Promise<LedgerWithEtag | undefined>;
  /** `indexing`: the thread-index entries of the mail, written with the record (one request). */
  replaceLedger(record: LedgerRecord, etag: string, indexing?: ThreadIndexing): Promise<LedgerWithEtag>;
  /** The record of the mail whose copy was listed at `ref` (for a message without Message-ID whose mail has moved). */
  findLedgerByPlace(channelId: string, ref: SourceRef): Promise<LedgerWithEtag | undefined>;
  /**
   * The ticket or note an earlier attempt made for the mail with this ledger key (ids derive
   * from it), for the poison handler: a record still `received` may have been carried out
   * by an attempt that died before closing it. Undefined = nothing was made.
   */
  findCarriedOut?(channelId: string, key: string): Promise<{ ticketId: string; noteId?: string } | undefined>;
  /** Test-only crash points (see fault-injection.ts); undefined in production. */
  fault?: FaultHook;
  /** Bounds the raw bytes processed at once in this process; none = unbounded. */
  memory?: MemoryBudget;
  /** Called once a mail's record is done (telemetry). */
  onDone?(record: LedgerRecord): void;
  /**
   * Moves the channel's stats counters for a record that was just closed; none = not counted.
   * The store's counts without waiting for the write (store/channel-stats.ts `deferCounterChanges`).
   */
  countClosed?(channelId: string, changes: readonly CounterChange[]): Promise<void> | void;
  /** Counts one more copy of a mail in the channel's stats. */
  countDuplicate?(channelId: string, firstAttemptAt: string): Promise<void> | void;
}

export type ProcessResult =
  | { status: 'done'; key: string; outcome: Outcome; ticketId?: string; ticketCreated?: boolean; movedTo?: string }
  /** `pending`: recorded while the first copy is in flight; moved when that one is done. */
  | { status: 'duplicate'; key: string; outcome?: Outcome; movedTo?: string; pending?: boolean }
  /** Another delivery is working on this very mail: this message has nothing to do. */
  | { status: 'in-flight'; key: string }
  | { status: 'already-done'; key: string; outcome?: Outcome }
  | { status: 'source-gone'; code: string }
  | { status: 'channel-gone' };

export const sameRef = (a: SourceRef, b: SourceRef): boolean => JSON.stringify(a) === JSON.stringify(b);

/** Whether `ref` is the place of this record's own copy (where it was listed, or where it is now). */
export const isOwnPlace = (r: LedgerRecord, ref: SourceRef): boolean => sameRef(r.source, ref) || (r.origin !== undefined && sameRef(r.origin, ref));

/**
 * Whether the message is about this record's own copy. Where it is now, always. Where it
 * was first listed: while the record is in flight; once it is done, only for a message
 * listed before that (a rival or stale message). Listed there after it was done, the mail
 * came back to its first place (a person dragged it back; Graph ids survive moves): that
 * is another copy, to be moved again.
 */
export function isOwnCopy(r: LedgerRecord, msg: Pick<MailInboundMessage, 'source' | 'enqueuedAt'>): boolean {
  if (sameRef(r.source, msg.source)) return true;
  if (!r.origin || !sameRef(r.origin, msg.source)) return false;
  return r.state !== 'done' || !r.timings.doneAt || Date.parse(msg.enqueuedAt) < Date.parse(r.timings.doneAt);
}

const inFolder = (ref: SourceRef, folder: string): boolean => ref.folder.toLowerCase() === folder.toLowerCase();

/**
 * How long a delivery's claim on a record keeps other messages for the same mail away:
 * the host's function timeout, so a claim outlives any live attempt. A crashed holder does
 * not block its own redelivery (same queue message id); rivals simply drop out meanwhile.
 */
export const CLAIM_MS = FUNCTION_TIMEOUT_MS;

/** Rounds of "someone else wrote first: read again and follow" before giving the queue a retry. */
const MAX_FOLLOWS = 12;

/** A step that lost an ETag race: read the record again and continue from what is there. */
const STALE = Symbol('stale');
type Step = ProcessResult | typeof STALE;
export const isStale = (x: unknown): x is typeof STALE => x === STALE;

/** An ETag-guarded replace; STALE when someone else changed the record first (412). */
export async function replaceIfUnchanged(deps: Pick<ProcessDeps, 'replaceLedger'>, record: LedgerRecord, etag: string, indexing?: ThreadIndexing): Promise<LedgerWithEtag | typeof STALE> {
  try {
    return await deps.replaceLedger(record, etag, indexing);
  } catch (err) {
    if (cosmosStatus(err) === 412) return STALE;
    throw err;
  }
}

/** Runs `step` on the record, and on a lost race re-reads it and runs it again. */
export async function follow(entry: LedgerWithEtag, deps: Pick<ProcessDeps, 'readLedger'>, step: (entry: LedgerWithEtag) => Promise<Step>): Promise<ProcessResult> {
  let current = entry;
  for (let round = 0; round < MAX_FOLLOWS; round++) {
    const result = await step(current);
    if (result !== STALE) return result;
    const fresh = await deps.readLedger(current.record.channelId, current.record.id);
    if (!fresh) throw new TransientError('LEDGER_GONE', `ledger record ${current.record.id} vanished while being processed`);
    current = fresh;
  }
  throw new TransientError('LEDGER_CONTENDED', `ledger record ${current.record.id} kept changing under this attempt; the queue retries it`);
}

/** One delivery of a queue message: who claims records, and what was read so far. */
interface Attempt {
  msg: MailInboundMessage;
  channel: ChannelRecord;
  deps: ProcessDeps;
  openSource: () => Promise<MailSource>;
  /** Claim holder: the queue message id (the same across its redeliveries), else this call. */
  me: string;
  /** Whether this attempt counted itself on the record already. */
  counted: boolean;
  content?: { parsed?: ParsedWithContent; parseError?: PermanentError };
  /** The outcome this attempt decided and carried out, kept for a write that loses a race (applied to the fresh record). */
  decision?: Decided;
  /** Counts bytes this attempt holds against the memory budget until it ends. */
  hold: (bytes: number) => Promise<void>;
}

const claimFor = (a: Pick<Attempt, 'me' | 'deps'>) => ({ by: a.me, until: new Date(a.deps.now().getTime() + CLAIM_MS).toISOString() });
const heldByOther = (r: LedgerRecord, me: string, now: Date) => r.claim !== undefined && r.claim.by !== me && Date.parse(r.claim.until) > now.getTime();

/** Where the mail sits for the admin: a stable text key for a source ref. */
export const sourceKeyOf = (ref: SourceRef): string => createHash('sha256').update(JSON.stringify(ref)).digest('hex');

/** `delivery.id`: the queue message id (the trigger's metadata), which stays the same across redeliveries. */
export async function processMail(msg: MailInboundMessage, deps: ProcessDeps, delivery: { id?: string } = {}): Promise<ProcessResult> {
  const channel = await deps.loadChannel(msg.channelId);
  if (!channel) {
    deps.log('channel no longer exists; message dropped', { channelId: msg.channelId });
    return { status: 'channel-gone' };
  }
  // Raw bytes, however obtained (fetched or from Blob), are counted against the process's
  // memory budget until this mail is done (see memory-budget.ts).
  const leases: (() => void)[] = [];
  const holdBytes = async (bytes: number): Promise<void> => {
    if (deps.memory) leases.push(await deps.memory.acquire(bytes));
  };
  const hold = async (raw: Buffer): Promise<Buffer> => {
    await holdBytes(raw.length);
    return raw;
  };
  const gated: ProcessDeps = { ...deps, getRawMail: async (name) => hold(await deps.getRawMail(name)) };
  let source: MailSource | undefined;
  const openSource = async () => (source ??= withHeldFetch(await deps.openSource(channel), hold));
  const me = delivery.id || randomUUID();
  try {
    return await run({ msg, channel, deps: gated, openSource, me, counted: false, hold: holdBytes });
  } catch (err) {
    await noteError(msg, channel.id, err, deps, me);
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
    // counted by the pipeline (`intake`): a streamed mail holds a bounded part of itself
    ...(s.streamRaw ? { streamRaw: s.streamRaw.bind(s) } : {}),
    move: (ref, target, options) => s.move(ref, target, options),
    ensureFolders: (folders) => s.ensureFolders(folders),
    close: () => s.close(),
  };
}

async function run(a: Attempt): Promise<ProcessResult> {
  const { msg, channel, deps } = a;
  // A retry from the admin API reprocesses the stored raw MIME from scratch.
  if (msg.retryOfLedgerKey) return retry(msg, msg.retryOfLedgerKey, channel, deps, a.openSource, a.hold);

  // No ledger read before the fetch: nearly every message is a new mail (the read would be
  // a 404), and the create below says when the record exists (409: then read it). A mail
  // that left its place since (a crash between its move and its record) is looked up when
  // the fetch finds it gone.
  let taken: Intake;
  try {
    taken = await intake(a, msg.source, rawBlobName(channel.id, ledgerKey(channel.id, msg.internetMessageId ? { messageId: msg.internetMessageId } : { sourceKey: sourceKeyOf(msg.source) })));
  } catch (err) {
    if (err instanceof PermanentError && SOURCE_GONE_CODES.has(err.code)) {
      // An earlier attempt may have moved this very mail (or copy) and died before closing
      // its record: the listing's Message-ID names the record; without one, its place does.
      const mine = msg.internetMessageId
        ? await deps.readLedger(channel.id, ledgerKey(channel.id, { messageId: msg.internetMessageId }))
        : await deps.findLedgerByPlace(channel.id, msg.source);
      if (mine) return follow(mine, deps, (e) => advance(e, a));
      deps.log('the mail is no longer where it was listed; nothing to do', { channelId: channel.id, code: err.code, source: msg.source });
      return { status: 'source-gone', code: err.code };
    }
    throw err;
  }
  const { content, facts, rawSha256, rawSize } = await contentOfIntake(taken, deps);
  a.content = content;
  // a mail too large to read has no raw hash: its place identifies it when it has no Message-ID either
  const key = ledgerKey(channel.id, { messageId: facts?.messageId, rawSha256, sourceKey: sourceKeyOf(msg.source) });
  const rawBlob = taken.kind === 'buffered' ? await deps.putRawMail(channel.id, key, taken.raw) : taken.kind === 'stored' ? taken.rawBlob : undefined;

  // Created without reading first when the listing named the Message-ID (nearly always): a
  // 409 says the record exists (a redelivery, a rival message, a copy in another place),
  // and then it is read. A listing without one (rare) reads first, as it always did.
  const existing = msg.internetMessageId === undefined ? await deps.readLedger(channel.id, key) : undefined;
  if (existing) return follow(existing, deps, (e) => advance(e, a));

  const now = deps.now().toISOString();
  const fresh: LedgerRecord = {
    id: key,
    channelId: channel.id,
    state: 'received',
    messageId: facts?.messageId,
    rawSha256,
    rawBlob,
    rawSize,
    subject: facts?.subject,
    from: facts?.from?.address,
    ...(msg.conversationId ? { conversationId: msg.conversationId } : {}),
    source: msg.source,
    origin: msg.source,
    claim: claimFor(a),
    imported: msg.imported,
    attempts: 1,
    stages: [],
    duplicates: [],
    retries: 0,
    timings: { receivedAt: msg.receivedAt, enqueuedAt: msg.enqueuedAt, firstAttemptAt: now },
    updatedAt: now,
  };
  const created = await deps.createLedger(fresh);
  a.counted = created !== undefined;
  // 409: another worker created it a moment ago; continue from what it stored
  const entry = created ?? (await deps.readLedger(channel.id, key));
  if (!entry) throw new Error(`ledger record ${key} vanished while being created`);
  return follow(entry, deps, (e) => advance(e, a));
}

/**
 * One step from the record as it is now towards `done`, for this message's mail: the next
 * write that loses a race returns STALE and `follow` runs this again on the fresh record.
 */
async function advance(entry: LedgerWithEtag, a: Attempt): Promise<Step> {
  const { msg, deps } = a;
  const r = entry.record;
  if (!isOwnCopy(r, msg)) return followFirstCopy(entry, msg.source, a.channel, deps, a.openSource);
  if (r.state === 'done') return { status: 'already-done', key: r.id, outcome: r.outcome };
  if (heldByOther(r, a.me, deps.now())) {
    deps.log('another delivery is processing this mail; this message has nothing to do', { key: r.id, channelId: r.channelId });
    return { status: 'in-flight', key: r.id };
  }
  let current = entry;
  if (!a.counted || r.claim?.by !== a.me) {
    const claimed = await replaceIfUnchanged(deps, { ...r, claim: claimFor(a), attempts: r.attempts + (a.counted ? 0 : 1) }, entry.etag);
    if (claimed === STALE) return STALE;
    a.counted = true;
    current = claimed;
  }
  if (current.record.state === 'received') {
    a.content ??= await contentOf(current.record, a);
    a.decision ??= await decideAndCarryOut(current.record, msg, a.channel, deps, a.content.parsed, a.content.parseError);
    return finishDecided(current, a.decision, msg.source, deps, a.openSource);
  }
  return finishMove(current, msg.source, deps, a.openSource);
}

/** The mail's parsed content for deciding: from the stored raw (no fetch), else from the mailbox. */
async function contentOf(r: LedgerRecord, a: Attempt): Promise<{ parsed?: ParsedWithContent; parseError?: PermanentError }> {
  if (r.rawBlob) return storedContent(r, r.rawBlob, a.deps, a.hold);
  const taken = await intake(a, a.msg.source, rawBlobName(r.channelId, r.id));
  if (taken.kind === 'buffered') await a.deps.putRawMail(r.channelId, r.id, taken.raw);
  return (await contentOfIntake(taken, a.deps)).content;
}

/** The stored raw mail parsed: a large one as a stream from Blob, else in memory. */
async function storedContent(r: Pick<LedgerRecord, 'rawSize' | 'rawSha256'>, rawBlob: string, deps: ProcessDeps, hold: (bytes: number) => Promise<void>): Promise<{ parsed?: ParsedWithContent; parseError?: PermanentError }> {
  const large = deps.largeMail;
  if (large && r.rawSize !== undefined && r.rawSha256 && r.rawSize > large.streamAboveBytes) {
    await hold(STREAMED_MAIL_HELD_BYTES);
    return parseSafely(() => parseStored({ rawBlob, rawSha256: r.rawSha256!, rawSize: r.rawSize! }, large));
  }
  return parseSafely(await deps.getRawMail(rawBlob), deps);
}

/** Reads the mail from its source: streamed into Blob when large (large-mail.ts), else whole; counted against the memory budget. */
async function intake(a: Attempt, ref: SourceRef, rawBlob: string): Promise<Intake> {
  const source = await a.openSource();
  const large = a.deps.largeMail;
  if (!large) return { kind: 'buffered', raw: await source.fetchRaw(ref) };
  const taken = await takeIn(source, ref, rawBlob, large);
  await a.hold(taken.kind === 'buffered' ? taken.raw.length : STREAMED_MAIL_HELD_BYTES);
  return taken;
}

/** The parsed content of what the intake read, and the facts the ledger record keeps. */
async function contentOfIntake(
  taken: Intake,
  deps: ProcessDeps,
): Promise<{ content: { parsed?: ParsedWithContent; parseError?: PermanentError }; facts?: ParsedMail; rawSha256?: string; rawSize: number }> {
  if (taken.kind === 'too-large') {
    const facts = await headerFactsOf(taken.head);
    return { content: { parseError: tooLargeError(taken.readBytes, deps.largeMail?.maxMailBytes ?? taken.readBytes) }, facts, rawSize: taken.readBytes };
  }
  const content = taken.kind === 'buffered' ? await parseSafely(taken.raw, deps) : await parseSafely(() => parseStored(taken, deps.largeMail!));
  const rawSha256 = taken.kind === 'stored' ? taken.rawSha256 : (content.parsed?.mail.rawSha256 ?? createHash('sha256').update(taken.raw).digest('hex'));
  return { content, facts: content.parsed?.mail, rawSha256, rawSize: taken.kind === 'stored' ? taken.rawSize : taken.raw.length };
}

/** What deciding a mail adds to its record (`withDecision` applies it). */
type Decided = Pick<LedgerRecord, 'outcome' | 'reasonCode' | 'reason' | 'ticketId' | 'noteId' | 'thread' | 'answers' | 'stages' | 'targetFolder'> & {
  decidedAt: string;
  /** The thread-index entries the record's next write is to create (carry-out.ts `CarriedOut.indexing`); not a field of the record. */
  indexing?: ThreadIndexing;
};

/** The record with its decision, as `decided` (not written: finishDecided closes it, or keeps it when the move fails). */
function withDecision(entry: LedgerWithEtag, d: Decided): LedgerWithEtag {
  const { decidedAt, indexing: _written, ...fields } = d;
  return { etag: entry.etag, record: { ...entry.record, ...fields, state: 'decided', lastError: undefined, timings: { ...entry.record.timings, decidedAt } } };
}

/**
 * Closes a record decided in this attempt: the move, then one write (`received → done`,
 * the outcome and the thread-index entries with it). When the move (or anything before the
 * close) fails, the decision and the entries are stored first (`decided`), so the queue's
 * retry only moves — it does not decide again.
 */
async function finishDecided(received: LedgerWithEtag, decided: Decided, ref: SourceRef, deps: ProcessDeps, openSource: () => Promise<MailSource>): Promise<Step> {
  const entry = withDecision(received, decided);
  const { indexing } = decided;
  try {
    return await finishMove(entry, ref, deps, openSource, indexing);
  } catch (err) {
    try {
      await deps.replaceLedger(entry.record, entry.etag, indexing);
    } catch {
      // the error that stopped the move matters more; a redelivery decides again (every step is create-once)
    }
    throw err;
  }
}

/** Runs the stages and carries the decision out (ticket or note with ids derived from the key, thread index, answers): what the record is to say. */
async function decideAndCarryOut(
  record: LedgerRecord,
  msg: Pick<MailInboundMessage, 'receivedAt' | 'enqueuedAt'>,
  channel: ChannelRecord,
  deps: ProcessDeps,
  parsed: ParsedWithContent | undefined,
  parseError: PermanentError | undefined,
): Promise<Decided> {
  await deps.fault?.('before-decide', parsed?.mail.subject);
  let decision: Decision;
  let carried: CarriedOut | undefined;
  if (!parsed) {
    const reason = parseError?.message ?? 'the mail could not be parsed';
    const code = parseError?.code === 'MAIL_TOO_LARGE' ? 'MAIL_TOO_LARGE' : 'MIME_UNPARSEABLE'; // large-mail.ts
    decision = { action: 'reject', code, reason, stages: [{ stage: 'parse', result: { verdict: 'reject', code, reason } }] };
  } else {
    const classification = deps.classify(parsed.mail, channel);
    const [template, resolution] = await Promise.all([deps.getTemplate(channel.ticketMapping.templateId), resolveMail(parsed, classification, channel, record, deps)]);
    decision = decide({
      channel,
      mail: parsed.mail,
      classification,
      folder: record.source.folder,
      template,
      receivedAt: msg.receivedAt ?? parsed.mail.date ?? msg.enqueuedAt,
      thread: resolution.thread,
      ...(resolution.answer ? { answer: resolution.answer } : {}),
      ...(resolution.ownMailBounce ? { ownMailBounce: resolution.ownMailBounce } : {}),
      now: deps.now(),
    });
    carried = await carryOut(decision, record, channel, parsed, deps);
    decision = carried.decision;
  }

  return {
    outcome: outcomeOf(decision),
    reasonCode: decision.action === 'createTicket' || decision.action === 'addNote' ? undefined : decision.code,
    reason: decision.action === 'createTicket' || decision.action === 'addNote' ? undefined : decision.reason,
    ticketId: carried?.ticketId,
    noteId: carried?.noteId,
    thread: decision.thread,
    answers: carried?.answers.length ? carried.answers : undefined,
    stages: decision.stages,
    targetFolder: targetFolder(decision, channel.folders),
    decidedAt: deps.now().toISOString(),
    ...(carried?.indexing ? { indexing: carried.indexing } : {}),
  };
}

/**
 * Moves the mail (and the copies recorded as waiting for it) to its target folder, if
 * any, and closes the record: `decided → done`, with `indexing`'s thread-index entries
 * when it was decided in this attempt. Moves are idempotent, so repeating this after a lost
 * race is safe.
 */
export async function finishMove(entry: LedgerWithEtag, ref: SourceRef, deps: ProcessDeps, openSource: () => Promise<MailSource>, indexing?: ThreadIndexing): Promise<Step> {
  const r = entry.record;
  await deps.fault?.('before-move', r.subject);
  let newRef = ref;
  let lastError = r.lastError;
  if (r.targetFolder && !inFolder(ref, r.targetFolder)) {
    try {
      newRef = await (await openSource()).move(ref, r.targetFolder, { internetMessageId: r.messageId });
    } catch (err) {
      if (!(err instanceof PermanentError && SOURCE_GONE_CODES.has(err.code))) throw err;
      // Not at its place, and (with no Message-ID to look for) not found in the target: an
      // earlier attempt or a person moved it. The outcome stands; the record says so.
      lastError = { code: err.code, message: `the mail had left "${ref.folder}" when it was to be moved to "${r.targetFolder}": ${err.message}`, at: deps.now().toISOString() };
      deps.log('the mail had already left its place; its record is closed as it is', { key: r.id, code: err.code });
    }
  }
  const duplicates = await moveWaitingCopies(r, deps, openSource);
  const doneAt = deps.now();
  const startedAt = Date.parse(r.timings.receivedAt ?? r.timings.enqueuedAt ?? r.timings.firstAttemptAt);
  const closed: LedgerRecord = {
    ...r,
    state: 'done',
    source: newRef,
    origin: r.origin ?? r.source,
    claim: undefined,
    lastError,
    duplicates,
    movedAt: r.targetFolder ? doneAt.toISOString() : undefined,
    timings: { ...r.timings, doneAt: doneAt.toISOString(), latencyMs: Number.isNaN(startedAt) ? undefined : Math.max(0, doneAt.getTime() - startedAt) },
  };
  // the tally rides on the guarded write that closes the record: only the one delivery
  // whose write wins counts, and a retry takes its earlier tally off again
  const tally = tallyOf(closed);
  const done = await replaceIfUnchanged(deps, { ...closed, tally }, entry.etag, indexing);
  if (done === STALE) return STALE;
  await countBestEffort(deps, r.id, () => deps.countClosed?.(r.channelId, tallyChanges(r.tally, tally)));
  deps.onDone?.(done.record);
  return { status: 'done', key: r.id, outcome: r.outcome ?? 'failed', ticketId: r.ticketId, movedTo: r.targetFolder };
}

/**
 * Counting follows the record's write; the mail is done whatever the counters do, so a
 * failure there is logged, never thrown (a queue retry would find the record done and
 * count nothing either). The count is at most once: lost only if its write fails or the
 * worker dies between the record's write and the counters' (the store defers that write
 * by up to a second: deferred-commit.ts).
 */
async function countBestEffort(deps: Pick<ProcessDeps, 'log'>, key: string, count: () => Promise<void> | void): Promise<void> {
  try {
    await count();
  } catch (err) {
    deps.log('the stats counters could not be moved; the mail is done and is not counted', { key, error: String((err as Error).message ?? err) });
  }
}

/** Copies recorded while the first was in flight follow it into its folder now. */
async function moveWaitingCopies(r: LedgerRecord, deps: ProcessDeps, openSource: () => Promise<MailSource>): Promise<LedgerRecord['duplicates']> {
  const target = r.targetFolder;
  const out: LedgerRecord['duplicates'] = [];
  for (const d of r.duplicates) {
    out.push(d.movedAt || !target || inFolder(d.source, target) ? d : { ...d, movedAt: await moveCopy(r, d.source, target, deps, openSource) });
  }
  return out;
}

/** Moves one copy to the first copy's folder; returns when it left its place. */
async function moveCopy(r: LedgerRecord, ref: SourceRef, target: string, deps: ProcessDeps, openSource: () => Promise<MailSource>): Promise<string> {
  try {
    await (await openSource()).move(ref, target, { internetMessageId: r.messageId });
  } catch (err) {
    if (!(err instanceof PermanentError && SOURCE_GONE_CODES.has(err.code))) throw err;
    // an earlier attempt (or a person) moved that copy meanwhile: it has left the inbox all the same
    deps.log('a copy was no longer where it was seen', { key: r.id, code: err.code, source: ref });
  }
  return deps.now().toISOString();
}

/** The list with `entry` in the place of any earlier entry for the same place: one entry per copy. */
const withDuplicate = (list: LedgerRecord['duplicates'], entry: LedgerRecord['duplicates'][number]) => [...list.filter((d) => !sameRef(d.source, entry.source)), entry];

/**
 * A copy of a mail in another place than the record's own (the same Message-ID delivered
 * twice into the mailbox). No new ticket. The copy is recorded on the record first (so a
 * crash after its move still leaves a trace to finish from), then follows the first copy
 * into its folder: now, when the first is done; otherwise whoever finishes the first moves
 * it (instead of it waiting in the queue, where a first copy whose worker died would
 * outlast its retries).
 */
export async function followFirstCopy(entry: LedgerWithEtag, ref: SourceRef, channel: ChannelRecord, deps: ProcessDeps, openSource: () => Promise<MailSource>): Promise<Step> {
  let current = entry;
  let known = current.record.duplicates.find((d) => sameRef(d.source, ref));
  const wasKnown = known !== undefined;
  if (!known) {
    const r = current.record;
    if (r.state === 'done' && r.targetFolder && inFolder(ref, r.targetFolder)) return { status: 'already-done', key: r.id, outcome: r.outcome };
    known = { source: ref, seenAt: deps.now().toISOString() };
    const written = await replaceIfUnchanged(deps, { ...r, duplicates: [...r.duplicates, known] }, current.etag);
    if (written === STALE) return STALE;
    current = written;
    await countBestEffort(deps, r.id, () => deps.countDuplicate?.(channel.id, r.timings.firstAttemptAt));
    deps.log(r.state === 'done' ? 'duplicate copy of an already processed mail' : 'another copy of this mail is in flight; this copy is recorded and follows it when it is done', { key: r.id, channelId: channel.id });
  }
  const r = current.record;
  if (r.state !== 'done') return { status: 'duplicate', key: r.id, outcome: r.outcome, pending: true };
  const target = r.targetFolder;
  if (known.movedAt || !target || inFolder(ref, target)) return wasKnown ? { status: 'already-done', key: r.id, outcome: r.outcome } : { status: 'duplicate', key: r.id, outcome: r.outcome };
  const movedAt = await moveCopy(r, ref, target, deps, openSource);
  const written = await replaceIfUnchanged(deps, { ...r, duplicates: withDuplicate(r.duplicates, { ...known, movedAt }) }, current.etag);
  if (written === STALE) return STALE;
  return { status: 'duplicate', key: r.id, outcome: r.outcome, movedTo: target };
}

/**
 * Keeps the error of a failed attempt on the ledger record (when there is one), so the
 * poison handler and the admin see why a mail is stuck. Best effort: never masks `err`.
 */
async function noteError(msg: MailInboundMessage, channelId: string, err: unknown, deps: ProcessDeps, me: string): Promise<void> {
  const key = msg.retryOfLedgerKey ?? (msg.internetMessageId ? ledgerKey(channelId, { messageId: msg.internetMessageId }) : undefined);
  const e = err as { code?: unknown; message?: unknown };
  deps.log('processing attempt failed', { channelId, key, code: e.code, error: String(e.message ?? err) });
  if (!key) return;
  try {
    const entry = await deps.readLedger(channelId, key);
    // only this copy's own record, and not while another delivery works on it
    if (!entry || entry.record.state === 'done' || !isOwnPlace(entry.record, msg.source) || heldByOther(entry.record, me, deps.now())) return;
    const lastError = { code: String(e.code ?? 'ERROR'), message: String(e.message ?? err).slice(0, 1000), at: deps.now().toISOString() };
    // the claim ends with the attempt: the redelivery (or any other message for this mail) may go on
    await deps.replaceLedger({ ...entry.record, lastError, claim: undefined }, entry.etag);
  } catch {
    // the original error matters more
  }
}

/** Parse failures are permanent: a parser that chokes on these bytes will choke again. */
async function parseSafely(raw: Buffer | (() => Promise<ParsedWithContent>), deps?: ProcessDeps): Promise<{ parsed?: ParsedWithContent; parseError?: PermanentError }> {
  try {
    return { parsed: await (Buffer.isBuffer(raw) ? deps!.parse(raw) : raw()) };
  } catch (err) {
    // reading the stored raw mail failed (not the parse): the queue retries
    if (!Buffer.isBuffer(raw) && !(err instanceof PermanentError)) throw err;
    return { parseError: err instanceof PermanentError ? err : new PermanentError('MIME_UNPARSEABLE', `the mail could not be parsed: ${(err as Error).message}`) };
  }
}

/** Reprocesses a recorded mail from its stored raw MIME (admin retry). */
async function retry(
  msg: MailInboundMessage,
  key: string,
  channel: ChannelRecord,
  deps: ProcessDeps,
  openSource: () => Promise<MailSource>,
  hold: (bytes: number) => Promise<void>,
): Promise<ProcessResult> {
  const entry = await deps.readLedger(channel.id, key);
  if (!entry) throw new PermanentError('LEDGER_NOT_FOUND', `no ledger record ${key} in channel ${channel.id}`);
  // A mail that never got fetched (e.g. poisoned by a network failure) is fetched now, from where it is.
  let content: { parsed?: ParsedWithContent; parseError?: PermanentError };
  if (entry.record.rawBlob) content = await storedContent(entry.record, entry.record.rawBlob, deps, hold);
  else content = await contentOf(entry.record, { msg: { ...msg, source: entry.record.source }, channel, deps, openSource, me: '', counted: false, hold });
  const { parsed, parseError } = content;
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
  const decision = await decideAndCarryOut(current.record, { receivedAt: current.record.timings.receivedAt, enqueuedAt: msg.enqueuedAt }, channel, deps, parsed, parseError);
  return follow(current, deps, async (e) => {
    if (e.record.state === 'done') return { status: 'already-done', key, outcome: e.record.outcome };
    return e.record.state === 'received' ? finishDecided(e, decision, e.record.source, deps, openSource) : finishMove(e, e.record.source, deps, openSource);
  });
}
