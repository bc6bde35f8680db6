import type { ChannelRecord } from '../config/channel';
import { MailChannelError, PermanentError, TransientError } from '../errors';
import type { MailOutboundMessage } from '../queue/contracts';
import { cosmosStatus } from '../store/errors';
import type { OutboxWithEtag } from '../store/outbox';
import type { MailSender, OutboundMail } from './mail-sender';
import { attemptFailed, claimed, poisoned, sendStep, sent, type OutboxRecord } from './outbox';
import type { SendFaultHook } from './send-faults';

/**
 * One delivery of a `mail-outbound` message: send the outbox record's mail unless it was
 * sent, failed, or is being sent by another live delivery. The record is marked `sending`
 * before the provider call and `sent` after it, each write ETag-guarded, so a redelivered
 * job never sends twice — except after a crash between the provider's accept and the
 * `sent` write, when the mail goes again with the same Message-ID (see outbox.ts).
 */
export interface SendJobDeps {
  loadChannel(id: string): Promise<ChannelRecord | undefined>;
  readOutbox(channelId: string, id: string): Promise<OutboxWithEtag | undefined>;
  replaceOutbox(record: OutboxRecord, etag: string): Promise<OutboxWithEtag>;
  openSender(channel: ChannelRecord): MailSender;
  /** Attachment bytes by blob name. */
  getAttachment(blobName: string): Promise<Buffer>;
  now(): Date;
  fault?: SendFaultHook;
  log?(message: string, props?: Record<string, unknown>): void;
}

export type SendOutcome = 'sent' | 'already-sent' | 'already-failed' | 'held-by-another' | 'failed' | 'missing';

export interface SendResult {
  outboxId: string;
  outcome: SendOutcome;
  /** Sent although an earlier attempt may have handed it to the provider already. */
  resend?: boolean;
  messageId?: string;
}

/** Rounds of "someone else wrote first: read again" before the queue retries. */
const MAX_FOLLOWS = 8;

const isStale = (err: unknown) => cosmosStatus(err) === 412;

/** `delivery.id`: the queue message id (the same across redeliveries), which holds the claim. */
export async function sendOutbound(msg: MailOutboundMessage, deps: SendJobDeps, delivery: { id?: string } = {}): Promise<SendResult> {
  const me = delivery.id ?? `call-${deps.now().getTime()}-${Math.random().toString(36).slice(2)}`;
  const outboxId = msg.outboxId;
  for (let round = 0; round < MAX_FOLLOWS; round++) {
    const entry = await deps.readOutbox(msg.channelId, outboxId);
    if (!entry) {
      // enqueueOutbound writes the record before the message: nothing to send, and a retry will not change that
      deps.log?.('outbox record missing', { channelId: msg.channelId, outboxId });
      return { outboxId, outcome: 'missing' };
    }
    const step = sendStep(entry.record, me, deps.now());
    if (step.action === 'skip') return { outboxId, outcome: step.why === 'sent' ? 'already-sent' : step.why === 'failed' ? 'already-failed' : 'held-by-another' };

    const channel = await deps.loadChannel(entry.record.channelId);
    if (!channel) return fail(entry, new PermanentError('CHANNEL_NOT_FOUND', `channel ${entry.record.channelId} no longer exists`), deps, outboxId);
    // Everything that can fail before the provider call is done before the claim.
    const mail = await outboundMail(entry.record, deps);

    let claim: OutboxWithEtag;
    try {
      claim = await deps.replaceOutbox(claimed(entry.record, me, deps.now()), entry.etag);
    } catch (err) {
      if (isStale(err)) continue;
      throw err;
    }
    await deps.fault?.('after-claim', outboxId);

    let messageId: string;
    try {
      messageId = (await deps.openSender(channel).send(mail)).messageId;
    } catch (err) {
      const error = err instanceof MailChannelError ? err : new TransientError('SEND_FAILED', (err as Error)?.message ?? String(err), { cause: err });
      await deps.replaceOutbox(attemptFailed(claim.record, error, deps.now()), claim.etag).catch((writeErr: unknown) => {
        // lost the record to a delivery whose claim replaced ours: it decides now
        if (!isStale(writeErr)) throw writeErr;
      });
      if (!error.retryable) return { outboxId, outcome: 'failed' };
      throw error;
    }

    await deps.fault?.('after-accept', outboxId);
    await markSent(claim, deps);
    await deps.fault?.('after-sent', outboxId);
    return { outboxId, outcome: 'sent', resend: step.resend, messageId };
  }
  throw new TransientError('OUTBOX_CONTENDED', `outbox record ${outboxId} kept changing under this delivery; the queue retries it`);
}

/** The provider has the mail: `sent` is the truth whatever else was written meanwhile. */
async function markSent(claim: OutboxWithEtag, deps: SendJobDeps): Promise<void> {
  let current = claim;
  for (let round = 0; round < MAX_FOLLOWS; round++) {
    try {
      await deps.replaceOutbox(sent(current.record, deps.now()), current.etag);
      return;
    } catch (err) {
      if (!isStale(err)) throw err;
    }
    const fresh = await deps.readOutbox(current.record.channelId, current.record.id);
    if (!fresh || fresh.record.state === 'sent') return;
    current = fresh;
  }
  throw new TransientError('OUTBOX_CONTENDED', `outbox record ${claim.record.id} kept changing while being marked sent`);
}

async function fail(entry: OutboxWithEtag, error: PermanentError, deps: SendJobDeps, outboxId: string): Promise<SendResult> {
  await deps.replaceOutbox(attemptFailed(entry.record, error, deps.now()), entry.etag);
  return { outboxId, outcome: 'failed' };
}

/** The record's mail as the sender takes it: its own Message-ID, attachments read from Blob. */
async function outboundMail(r: OutboxRecord, deps: Pick<SendJobDeps, 'getAttachment'>): Promise<OutboundMail> {
  const { attachments, ...rest } = r.mail;
  const loaded = attachments
    ? await Promise.all(
        attachments.map(async (a) => ({
          filename: a.filename,
          content: await deps.getAttachment(a.blobName),
          ...(a.contentType ? { contentType: a.contentType } : {}),
          ...(a.cid ? { cid: a.cid } : {}),
        })),
      )
    : undefined;
  return { ...rest, messageId: r.messageId, ...(loaded ? { attachments: loaded } : {}) };
}

/** A `mail-outbound-poison` message: the record is failed with its last error (unless it was sent). */
export async function recordSendFailure(msg: MailOutboundMessage, deps: Pick<SendJobDeps, 'readOutbox' | 'replaceOutbox' | 'now'>): Promise<{ outboxId: string; state?: OutboxRecord['state'] }> {
  for (let round = 0; round < MAX_FOLLOWS; round++) {
    const entry = await deps.readOutbox(msg.channelId, msg.outboxId);
    if (!entry) return { outboxId: msg.outboxId };
    const next = poisoned(entry.record, deps.now());
    if (!next) return { outboxId: msg.outboxId, state: entry.record.state };
    try {
      await deps.replaceOutbox(next, entry.etag);
      return { outboxId: msg.outboxId, state: next.state };
    } catch (err) {
      if (!isStale(err)) throw err;
    }
  }
  throw new TransientError('OUTBOX_CONTENDED', `outbox record ${msg.outboxId} kept changing while being marked failed`);
}
