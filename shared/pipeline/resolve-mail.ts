import type { ChannelRecord } from '../config/channel';
import type { Classification, ParsedMail } from '../mail/parsed-mail';
import type { OwnMailBounce } from '../outbound/bounce-of-own-mail';
import { outgoingMessageIdFor } from '../outbound/outgoing';
import type { ThreadContext } from '../threading/thread-context';
import type { LedgerRecord } from '../store/ledger';
import type { AnswerContext } from './decide';

/**
 * The resolution step: the reads the decision needs beyond the mail, done before the pure
 * `decide()` and handed to it as data — the thread (point reads in the thread index and of
 * one ticket) and, when an acknowledgement may go, what the sender got lately (two point
 * reads) and which addresses are ours. The real run and the dry run both call it.
 */
export interface ResolutionDeps {
  resolveThread(mail: ParsedMail & { conversationId?: string | undefined }, channel: ChannelRecord): Promise<ThreadContext>;
  /** `ownAnswerId`: this mail's own acknowledgement, if an earlier delivery sent one (not counted against it). */
  answerContext(input: { channel: ChannelRecord; sender: string; imported: boolean; ownAnswerId?: string | undefined }): Promise<AnswerContext>;
  /** A delivery failure that names a Message-ID we sent (outbound/bounce-of-own-mail.ts `findOwnMailBounced`). */
  ownMailBounce(channelId: string, mail: ParsedMail, contents: ReadonlyMap<string, Buffer>): Promise<OwnMailBounce | undefined>;
}

export interface Resolution {
  thread: ThreadContext;
  answer?: AnswerContext;
  ownMailBounce?: OwnMailBounce;
}

/** Kinds whose mail may report a delivery failure of ours (a DSN is a bounce; some MTAs' look like reports). */
const mayReportOurFailure = (c: Classification) => c.kind === 'bounce' || c.kind === 'report';

/** The outbox key of the acknowledgement of the mail with this ledger key. */
export const autoResponseOutboxId = (ledgerKey: string) => `${ledgerKey}:autoResponse`;

/** `record`: the mail's ledger record as far as resolution reads it (the dry run makes one up). */
export async function resolveMail(
  parsed: { mail: ParsedMail; attachmentContents: ReadonlyMap<string, Buffer> },
  classification: Classification,
  channel: ChannelRecord,
  record: Pick<LedgerRecord, 'id' | 'imported' | 'conversationId'>,
  deps: ResolutionDeps,
): Promise<Resolution> {
  const { mail } = parsed;
  const sender = mail.from?.address;
  const mayAnswer = channel.answers.autoResponse.enabled && Boolean(sender);
  const [thread, answer, ownMailBounce] = await Promise.all([
    deps.resolveThread(record.conversationId ? { ...mail, conversationId: record.conversationId } : mail, channel),
    mayAnswer ? deps.answerContext({ channel, sender: sender!, imported: record.imported, ownAnswerId: ownAnswerId(channel, record.id) }) : Promise.resolve(undefined),
    mayReportOurFailure(classification) ? deps.ownMailBounce(channel.id, mail, parsed.attachmentContents) : Promise.resolve(undefined),
  ]);
  return { thread, ...(answer ? { answer } : {}), ...(ownMailBounce ? { ownMailBounce } : {}) };
}

function ownAnswerId(channel: ChannelRecord, ledgerKey: string): string | undefined {
  try {
    return outgoingMessageIdFor(autoResponseOutboxId(ledgerKey), channel.connection.username);
  } catch {
    // a mailbox name without a domain sends no acknowledgement anyway (compose refuses it)
    return undefined;
  }
}
