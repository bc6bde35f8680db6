import type { ChannelRecord } from '../config/channel';
import type { Classification, ParsedMail } from '../mail/parsed-mail';
import type { OwnMailBounce } from '../outbound/bounce-of-own-mail';
import { outgoingMessageIdFor } from '../outbound/outgoing';
import type { ThreadContext } from '../threading/thread-context';
import { replyPolicyOf, routeReply } from '../threading/reply-route';
import type { LedgerRecord } from '../store/ledger';
import type { AnswerContext } from './decide';
import { ticketIdFor } from './ledger-key';

/**
 * The resolution step: the reads the decision needs beyond the mail, done before the pure
 * `decide()` and handed to it as data — the thread (point reads in the thread index and of
 * one ticket) and, when an acknowledgement may go, what the sender got lately (two point
 * reads) and which addresses are ours. The real run and the dry run both call it.
 */
export interface ResolutionDeps {
  resolveThread(mail: ParsedMail & { conversationId?: string | undefined; ownTicketId?: string | undefined }, channel: ChannelRecord): Promise<ThreadContext>;
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
  const [thread, ownMailBounce] = await Promise.all([
    deps.resolveThread({ ...mail, ...(record.conversationId ? { conversationId: record.conversationId } : {}), ownTicketId: ticketIdFor(record.id) }, channel),
    mayReportOurFailure(classification) ? deps.ownMailBounce(channel.id, mail, parsed.attachmentContents) : Promise.resolve(undefined),
  ]);
  const sender = mail.from?.address;
  const answer = sender && mayBeAnswered(mail, classification, channel, thread)
    ? await deps.answerContext({ channel, sender, imported: record.imported, ownAnswerId: ownAnswerId(channel, record.id) })
    : undefined;
  return { thread, ...(answer ? { answer } : {}), ...(ownMailBounce ? { ownMailBounce } : {}) };
}

/**
 * Whether the answer policy could let an acknowledgement go, so its reads (the sender's
 * counters, the channel list) are worth doing. Without them the policy still decides — on
 * settings or on the mail alone — the same way: acknowledgements off, machine mail or a
 * mail asking for none, or a reply that will be a note while notes are not acknowledged
 * (the route is the decision's own pure rule, run here on the same data).
 */
function mayBeAnswered(mail: ParsedMail, classification: Classification, channel: ChannelRecord, thread: ThreadContext): boolean {
  const settings = channel.answers.autoResponse;
  if (!settings.enabled || classification.noAutoResponse) return false;
  if (settings.onNote || !thread.ticket) return true;
  return routeReply(thread, mail.from?.address, replyPolicyOf(channel), new Date()).action !== 'addNote';
}

function ownAnswerId(channel: ChannelRecord, ledgerKey: string): string | undefined {
  try {
    return outgoingMessageIdFor(autoResponseOutboxId(ledgerKey), channel.connection.username);
  } catch {
    // a mailbox name without a domain sends no acknowledgement anyway (compose refuses it)
    return undefined;
  }
}
