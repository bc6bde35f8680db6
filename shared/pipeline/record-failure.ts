import { MailInboundMessage } from '../queue/contracts';
import type { LedgerRecord, LedgerWithEtag } from '../store/ledger';
import { ledgerKey } from './ledger-key';
import { finishMove, follow, followFirstCopy, isOwnCopy, isStale, replaceIfUnchanged, sourceKeyOf, type ProcessDeps } from './process-mail';

/**
 * recordFailure (on `mail-inbound-poison`): the host gave up on a mail after five
 * failed attempts. Record it as failed, with the last error the attempts met, and
 * move it to the fail folder, so an admin sees it and can retry it once the cause
 * is fixed. A mail that finished after all (a late success) is left as it is; one
 * whose outcome was decided, or whose ticket or note an attempt made before dying, is
 * finished, not failed; a copy of a mail is recorded on the first copy's record and
 * follows it, never left untraced.
 */
export type FailureDeps = Pick<ProcessDeps, 'loadChannel' | 'openSource' | 'readLedger' | 'createLedger' | 'replaceLedger' | 'now' | 'log' | 'onDone' | 'countClosed' | 'countDuplicate' | 'findCarriedOut'>;

export type FailureResult = 'recorded' | 'finished' | 'already-done' | 'copy-recorded' | 'invalid-message' | 'channel-gone';

export async function recordFailure(body: unknown, deps: FailureDeps): Promise<FailureResult> {
  const parsed = MailInboundMessage.safeParse(body);
  if (!parsed.success) {
    deps.log('poison message does not match the mail-inbound contract; nothing to record', { issues: parsed.error.issues.map((i) => i.path.join('.')) });
    return 'invalid-message';
  }
  const msg = parsed.data;
  const channel = await deps.loadChannel(msg.channelId);
  if (!channel) return 'channel-gone';

  const key =
    msg.retryOfLedgerKey ??
    ledgerKey(channel.id, msg.internetMessageId ? { messageId: msg.internetMessageId } : { sourceKey: sourceKeyOf(msg.source) });
  const now = deps.now().toISOString();
  // the poison handler runs no crash points (they belong to the attempts it gives up on)
  const pdeps: ProcessDeps = { ...(deps as ProcessDeps), fault: undefined };
  let source: Awaited<ReturnType<FailureDeps['openSource']>> | undefined;
  const openSource = async () => (source ??= await deps.openSource(channel));
  try {
    let entry = await deps.readLedger(channel.id, key);
    if (entry && !msg.retryOfLedgerKey && !isOwnCopy(entry.record, msg)) {
      // A copy of a mail that gave up (its first copy in flight, or the mailbox failing):
      // it is recorded on the first copy's record and moved with it, or now if that one is done.
      const res = await follow(entry, deps, (e) => followFirstCopy(e, msg.source, channel, pdeps, openSource));
      return res.status === 'already-done' ? 'already-done' : 'copy-recorded';
    }
    if (entry?.record.state === 'done' && entry.record.outcome !== 'failed' && !msg.retryOfLedgerKey) return 'already-done';
    const made = entry?.record.state === 'received' && !msg.retryOfLedgerKey ? await deps.findCarriedOut?.(channel.id, key) : undefined;
    if (entry && made) {
      // An attempt carried the mail out (its ticket or note exists) and died before closing
      // the record (the outcome is written with the close, after the move): what was made
      // of the mail is its outcome, decided now and finished below like any decided mail.
      // The mail's thread-index entries (written with the close, which never came) go with
      // this write; its answers' entries were written before they were queued (carry-out.ts).
      const r = entry.record;
      const indexing = r.messageId || r.conversationId ? { channelId: channel.id, mail: { messageId: r.messageId, conversationId: r.conversationId }, ticketId: made.ticketId } : undefined;
      const note = `finished after ${entry.record.attempts} attempts: the ${made.noteId ? 'note' : 'ticket'} an attempt made exists`;
      const written = await replaceIfUnchanged(
        deps,
        {
          ...entry.record,
          state: 'decided',
          outcome: made.noteId ? 'noted' : 'created',
          ticketId: made.ticketId,
          ...(made.noteId ? { noteId: made.noteId } : {}),
          claim: undefined,
          targetFolder: channel.folders.success,
          stages: [...entry.record.stages, { stage: 'poison', result: { verdict: 'continue', note } }],
          timings: { ...entry.record.timings, decidedAt: now },
        },
        entry.etag,
        indexing,
      );
      if (isStale(written)) throw new Error(`ledger record ${key} changed while its outcome was being recorded; retry`);
      entry = written;
    }
    if (entry?.record.state === 'decided' && entry.record.outcome !== 'failed' && !msg.retryOfLedgerKey) {
      // Decided (the ticket exists, the outcome is stored): only the move was left, which
      // the failed attempts kept losing to a rival or the mailbox. Finish it; do not fail it.
      const res = await follow(entry, deps, async (e) => (e.record.state === 'done' ? { status: 'already-done', key, outcome: e.record.outcome } : finishMove(e, e.record.source, pdeps, openSource)));
      deps.log('poisoned message of a decided mail: finished instead of failed', { key, channelId: channel.id, status: res.status });
      return res.status === 'already-done' ? 'already-done' : 'finished';
    }

    const failedFrom = (base: LedgerRecord | undefined): LedgerRecord => {
      const last = base?.lastError;
      const reason = `gave up after ${base?.attempts ?? 5} attempts${last ? `: ${last.code}: ${last.message}` : ''}`;
      const b: LedgerRecord = base ?? {
        id: key,
        channelId: channel.id,
        state: 'received',
        messageId: msg.internetMessageId,
        source: msg.source,
        origin: msg.source,
        imported: msg.imported,
        attempts: 5,
        stages: [],
        duplicates: [],
        retries: 0,
        timings: { receivedAt: msg.receivedAt, enqueuedAt: msg.enqueuedAt, firstAttemptAt: now },
        updatedAt: now,
      };
      return {
        ...b,
        state: 'decided',
        outcome: 'failed',
        reasonCode: 'POISON',
        reason,
        claim: undefined,
        targetFolder: channel.folders.fail,
        stages: [...b.stages, { stage: 'poison', result: { verdict: 'reject', code: 'POISON', reason } }],
        timings: { ...b.timings, decidedAt: now },
      };
    };
    let failed: LedgerWithEtag | undefined;
    if (entry) {
      const written = await replaceIfUnchanged(deps, failedFrom(entry.record), entry.etag);
      if (isStale(written)) throw new Error(`ledger record ${key} changed while its failure was being recorded; retry`);
      failed = written;
    } else {
      failed = await deps.createLedger(failedFrom(undefined));
    }
    if (!failed) throw new Error(`ledger record ${key} was created concurrently; retry`);
    entry = failed;

    // The failure is recorded now. Moving the mail (and copies waiting for it) is best
    // effort: when the cause is the mailbox itself (auth revoked, server down), the move
    // fails too; the record then stays `decided` with the move's error, and an admin retry
    // finishes it once the cause is fixed.
    try {
      await follow(entry, deps, async (e) => (e.record.state === 'done' ? { status: 'already-done', key } : finishMove(e, e.record.source, pdeps, openSource)));
    } catch (err) {
      const e = err as { code?: unknown; message?: unknown };
      const lastError = { code: String(e.code ?? 'MOVE_FAILED'), message: `could not move the mail to "${channel.folders.fail}": ${String(e.message ?? err)}`, at: deps.now().toISOString() };
      const current = (await deps.readLedger(channel.id, key)) ?? entry;
      await replaceIfUnchanged(deps, { ...current.record, lastError }, current.etag);
      deps.log('poison mail recorded as failed; moving it to the fail folder failed', { key, channelId: channel.id, code: lastError.code });
      return 'recorded';
    }
    deps.log('mail recorded as failed after poison', { key, channelId: channel.id });
    return 'recorded';
  } finally {
    await source?.close().catch(() => undefined);
  }
}
