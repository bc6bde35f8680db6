import type { ChannelRecord } from '../config/channel';
import type { Classification, MailKind, ParsedMail } from './parsed-mail';
import { autoReplyHeaders } from './signals/auto-reply-headers';
import { autoSubmitted } from './signals/auto-submitted';
import { bounceSubjectSignal } from './signals/bounce-subject';
import { deliveryReport } from './signals/delivery-report';
import { exchangeAutoReply } from './signals/exchange-auto-reply';
import { failedRecipients } from './signals/failed-recipients';
import { listHeaders } from './signals/list-headers';
import { mailerDaemon } from './signals/mailer-daemon';
import { nullReturnPath } from './signals/null-return-path';
import { outOfOfficeSubject } from './signals/out-of-office-subject';
import { ownAddress } from './signals/own-address';
import { ownStamp } from './signals/own-stamp';
import { precedence } from './signals/precedence';
import { readReceipt } from './signals/read-receipt';
import { ruleForwardEvidence } from './signals/rule-forward';
import type { MachineKind, Signal, SignalHit } from './signals/signal';

export { MAIL_CHANNEL_HEADER } from './signals/own-stamp';
export type { Signal, SignalHit } from './signals/signal';

/**
 * What a mail is: written by a person (`human`), an automatic reply (`auto-reply`:
 * out-of-office, autoresponder, read receipt, any RFC 3834 automatic mail), a delivery
 * failure (`bounce`), mass mail (`list`), or our own mail coming back (`loop`).
 *
 * Every signal runs (they are cheap and pure); the kind is the most serious one found —
 * loop, then bounce, then auto-reply, then list — and `reasons` lists every signal's
 * evidence in the order below, so an admin sees why. One guard runs first: a mail an
 * inbox rule forwarded keeps the forwarding hop's stamps from counting against its
 * author (see `signals/rule-forward.ts`).
 */
export const signals: readonly Signal[] = [
  // our own mail
  ownStamp,
  ownAddress,
  // delivery failures
  deliveryReport,
  failedRecipients,
  mailerDaemon,
  bounceSubjectSignal,
  // automatic replies
  autoSubmitted,
  autoReplyHeaders,
  exchangeAutoReply,
  outOfOfficeSubject,
  readReceipt,
  nullReturnPath,
  // mass mail
  precedence,
  listHeaders,
];

const severity: readonly MachineKind[] = ['loop', 'bounce', 'auto-reply', 'list'];

export interface ClassifyOptions {
  /** The channel's own addresses (mailbox, reply-to): mail From them is a loop. */
  ownAddresses?: readonly string[];
  /** The channel classifying the mail, to say whose stamp a looped mail carries. */
  channelId?: string;
}

export function classifyMail(mail: ParsedMail, options: ClassifyOptions = {}): Classification {
  const forwardedByRule = ruleForwardEvidence(mail);
  const input = {
    mail,
    ownAddresses: (options.ownAddresses ?? []).map((a) => a.trim().toLowerCase()).filter(Boolean),
    channelId: options.channelId,
    forwardedByRule,
  };
  const hits: SignalHit[] = [];
  for (const signal of signals) {
    const found = signal.test(input);
    if (found) hits.push(found);
  }
  const kind: MailKind = severity.find((k) => hits.some((h) => h.kind === k)) ?? 'human';
  const reasons = hits.map((h) => `${h.kind}: ${h.reason}`);
  if (forwardedByRule) reasons.push(`forwarded by an inbox rule, so the hop's automatic stamps were not counted: ${forwardedByRule}`);
  return { kind, reasons };
}

/** The classification options of a channel: its own addresses (mailbox, reply-to) and id. */
export function classifyOptions(channel: Pick<ChannelRecord, 'id' | 'connection'>): { ownAddresses: string[]; channelId: string } {
  const { username, replyTo } = channel.connection;
  return { ownAddresses: [username, ...(replyTo ? [replyTo] : [])], channelId: channel.id };
}
