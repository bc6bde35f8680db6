import type { ChannelRecord } from '../config/channel';
import type { Classification, MailKind, ParsedMail } from './parsed-mail';
import { autoReplyHeaders } from './signals/auto-reply-headers';
import { autoResponseSuppress } from './signals/auto-response-suppress';
import { autoresponderMailer } from './signals/autoresponder-mailer';
import { autoSubmitted } from './signals/auto-submitted';
import { bounceBody } from './signals/bounce-body';
import { bounceSubjectSignal } from './signals/bounce-subject';
import { carrierGateway } from './signals/carrier-gateway';
import { deliveryReport } from './signals/delivery-report';
import { dmarcAggregate } from './signals/dmarc-aggregate';
import { exchangeAutoReply } from './signals/exchange-auto-reply';
import { exchangeNdr } from './signals/exchange-ndr';
import { failedRecipients } from './signals/failed-recipients';
import { feedbackId } from './signals/feedback-id';
import { feedbackReport } from './signals/feedback-report';
import { listHeaders } from './signals/list-headers';
import { loopAlert } from './signals/loop-alert';
import { mailerDaemon } from './signals/mailer-daemon';
import { multipartReport } from './signals/multipart-report';
import { noReplySender } from './signals/no-reply-sender';
import { notificationService } from './signals/notification-service';
import { nullReturnPath } from './signals/null-return-path';
import { outOfOfficeSubject } from './signals/out-of-office-subject';
import { ownAddress } from './signals/own-address';
import { ownStamp } from './signals/own-stamp';
import { precedence } from './signals/precedence';
import { readReceipt } from './signals/read-receipt';
import { sesNotification } from './signals/ses-notification';
import { ruleForwardEvidence } from './signals/rule-forward';
import { xLoop } from './signals/x-loop';
import type { MachineKind, Signal, SignalHit } from './signals/signal';

export { MAIL_CHANNEL_HEADER } from './signals/own-stamp';
export type { Signal, SignalHit } from './signals/signal';

/**
 * What a mail is: written by a person (`human`), an automatic reply (`auto-reply`:
 * out-of-office, autoresponder, read receipt), a delivery failure (`bounce`), a report
 * about mail (`report`: abuse/spam feedback, DMARC), a system's notification
 * (`notification`: alerts, `Auto-Submitted: auto-generated`), mass mail (`list`), or a
 * loop (`loop`: our own mail coming back, a list server's loop alert).
 *
 * Every signal runs (they are cheap and pure); the kind is the most serious one found —
 * loop, bounce, report, auto-reply, notification, list (a service's notification often
 * carries `Precedence: bulk` or List-* headers too; it stays a notification, which a
 * channel may accept as a ticket) — and `reasons` lists every
 * signal's evidence in the order below, so an admin sees why. `noAutoResponse` is set
 * for every machine mail and for mail that asks not to be answered automatically.
 * Guards: a mail an inbox rule forwarded keeps the forwarding hop's stamps from
 * counting against its author (see `signals/rule-forward.ts`); a group address of the
 * desk's own keeps its list stamps from counting (`isOwnList` in `signals/signal.ts`).
 */
export const signals: readonly Signal[] = [
  // loops: our own mail, a mail system's loop alert
  ownStamp,
  ownAddress,
  loopAlert,
  // delivery failures
  deliveryReport,
  exchangeNdr,
  failedRecipients,
  mailerDaemon,
  bounceSubjectSignal,
  bounceBody,
  sesNotification,
  // reports about mail
  feedbackReport,
  dmarcAggregate,
  multipartReport,
  // automatic replies
  autoSubmitted,
  autoReplyHeaders,
  autoresponderMailer,
  xLoop,
  exchangeAutoReply,
  outOfOfficeSubject,
  readReceipt,
  nullReturnPath,
  // mass mail
  precedence,
  listHeaders,
  feedbackId,
  // notification services
  notificationService,
  carrierGateway,
  // no kind: asks only not to be auto-answered
  autoResponseSuppress,
  noReplySender,
];

const severity: readonly MachineKind[] = ['loop', 'bounce', 'report', 'auto-reply', 'notification', 'list'];

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
  const reasons = hits.map((h) => `${h.kind === 'human' ? 'no auto-response' : h.kind}: ${h.reason}`);
  if (forwardedByRule) reasons.push(`forwarded by an inbox rule, so the hop's automatic stamps were not counted: ${forwardedByRule}`);
  return { kind, reasons, noAutoResponse: hits.length > 0 };
}

/** The classification options of a channel: its own addresses (mailbox, reply-to) and id. */
export function classifyOptions(channel: Pick<ChannelRecord, 'id' | 'connection'>): { ownAddresses: string[]; channelId: string } {
  const { username, replyTo } = channel.connection;
  return { ownAddresses: [username, ...(replyTo ? [replyTo] : [])], channelId: channel.id };
}
