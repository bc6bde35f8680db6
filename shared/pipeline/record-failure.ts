import { MailInboundMessage } from '../queue/contracts';
import type { LedgerRecord } from '../store/ledger';
import { ledgerKey } from './ledger-key';
import { sameRef, settleCopy, sourceKeyOf, type ProcessDeps } from './process-mail';

/**
 * recordFailure (on `mail-inbound-poison`): the host gave up on a mail after five
 * failed attempts. Record it as failed, with the last error the attempts met, and
 * move it to the fail folder, so an admin sees it and can retry it once the cause
 * is fixed. A mail that finished after all (a late success) is left as it is.
 */
export type FailureDeps = Pick<ProcessDeps, 'loadChannel' | 'openSource' | 'readLedger' | 'createLedger' | 'replaceLedger' | 'now' | 'log' | 'onDone'>;

export type FailureResult = 'recorded' | 'already-done' | 'copy-left' | 'invalid-message' | 'channel-gone';

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
  let entry = await deps.readLedger(channel.id, key);
  if (entry && !msg.retryOfLedgerKey && !sameRef(entry.record.source, msg.source)) {
    // A second copy of a mail that gave up waiting for its first copy: once the first is
    // done, the copy follows it; until then it stays where it is, and the record is not touched.
    if (entry.record.state !== 'done') {
      deps.log('poisoned copy of a mail still in progress; left in place', { key, channelId: channel.id });
      return 'copy-left';
    }
    let source: Awaited<ReturnType<FailureDeps['openSource']>> | undefined;
    try {
      await settleCopy(entry, msg.source, channel, deps as ProcessDeps, async () => (source ??= await deps.openSource(channel)));
    } finally {
      await source?.close().catch(() => undefined);
    }
    return 'already-done';
  }
  if (entry?.record.state === 'done' && entry.record.outcome !== 'failed' && !msg.retryOfLedgerKey) return 'already-done';

  const last = entry?.record.lastError;
  const reason = `gave up after ${entry?.record.attempts ?? 5} attempts${last ? `: ${last.code}: ${last.message}` : ''}`;
  const base: LedgerRecord = entry?.record ?? {
    id: key,
    channelId: channel.id,
    state: 'received',
    messageId: msg.internetMessageId,
    source: msg.source,
    imported: msg.imported,
    attempts: 5,
    stages: [],
    duplicates: [],
    retries: 0,
    timings: { receivedAt: msg.receivedAt, enqueuedAt: msg.enqueuedAt, firstAttemptAt: now },
    updatedAt: now,
  };
  const failed: LedgerRecord = {
    ...base,
    state: 'decided',
    outcome: 'failed',
    reasonCode: 'POISON',
    reason,
    targetFolder: channel.folders.fail,
    stages: [...base.stages, { stage: 'poison', result: { verdict: 'reject', code: 'POISON', reason } }],
    timings: { ...base.timings, decidedAt: now },
  };
  entry = entry ? await deps.replaceLedger(failed, entry.etag) : await deps.createLedger(failed);
  if (!entry) throw new Error(`ledger record ${key} was created concurrently; retry`);

  // The failure is recorded now. Moving the mail is best effort: when the cause is the
  // mailbox itself (auth revoked, server down), the move fails too; the record then stays
  // `decided` with the move's error, and an admin retry finishes it once the cause is fixed.
  let source: Awaited<ReturnType<FailureDeps['openSource']>> | undefined;
  try {
    source = await deps.openSource(channel);
    const here = entry.record.source;
    const moved = here.folder.toLowerCase() === channel.folders.fail.toLowerCase() ? here : await source.move(here, channel.folders.fail, { internetMessageId: entry.record.messageId });
    const doneAt = deps.now().toISOString();
    await deps.replaceLedger({ ...entry.record, state: 'done', source: moved, movedAt: doneAt, timings: { ...entry.record.timings, doneAt } }, entry.etag);
  } catch (err) {
    const e = err as { code?: unknown; message?: unknown };
    const lastError = { code: String(e.code ?? 'MOVE_FAILED'), message: `could not move the mail to "${channel.folders.fail}": ${String(e.message ?? err)}`, at: deps.now().toISOString() };
    await deps.replaceLedger({ ...entry.record, lastError }, entry.etag);
    deps.log('poison mail recorded as failed; moving it to the fail folder failed', { key, channelId: channel.id, code: lastError.code });
    return 'recorded';
  } finally {
    await source?.close().catch(() => undefined);
  }
  deps.onDone?.(entry.record);
  deps.log('mail recorded as failed after poison', { key, channelId: channel.id });
  return 'recorded';
}
