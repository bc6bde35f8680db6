import { z } from 'zod';
import type { Classification, MailKind, ParsedMail } from '../mail/parsed-mail';
import { referencedMessageIds } from '../threading/message-ids';
import type { RecentAnswers } from './answer-counter';
import type { AutoResponseSettings } from './answer-settings';
import { recipientProblem } from './recipient';

/**
 * Whether a mail gets an automatic answer: one rule per small function, in order, the first
 * that objects decides, and its typed reason goes to the ledger. Pure: every fact that
 * needs I/O (the sender's recent answers, whether the mail was imported) is read by the
 * caller and handed in.
 *
 * The rules follow RFC 3834 (section 2: never answer what a machine sent, what a list
 * relayed, or what says `Auto-Submitted` other than `no`) and add what experience with
 * help desks adds: no-reply senders, our own addresses (every channel's), imported
 * mail, answers to our own answers, and a per-sender limit per hour that stops any loop
 * the other rules miss.
 */

export const SuppressionCode = z.enum([
  'AUTO_RESPONSE_DISABLED',
  'NOTE_ACK_DISABLED',
  'IMPORTED',
  'SENDER_INVALID',
  'OWN_ADDRESS',
  'NO_REPLY_ADDRESS',
  'AUTO_SUBMITTED',
  'BOUNCE',
  'MAILING_LIST',
  'LOOP',
  'MACHINE_MAIL',
  'NO_AUTO_RESPONSE_REQUESTED',
  'LOOP_PATTERN',
  'RATE_LIMITED',
  // composition (auto-response.ts, notification.ts)
  'NOTIFICATION_DISABLED',
  'STATUS_NOT_NOTIFIED',
  'CHANNEL_ADDRESS_INVALID',
  'COMPOSE_FAILED',
]);
export type SuppressionCode = z.infer<typeof SuppressionCode>;

/** Why no mail was sent: a code to count and filter by, and a sentence for the admin. */
export const Suppression = z.object({ code: SuppressionCode, message: z.string() });
export type Suppression = z.infer<typeof Suppression>;

export interface AnswerCheck {
  /** What happened to the mail: it made a ticket, or it became a note on one. */
  trigger: 'ticketCreated' | 'noteAdded';
  settings: AutoResponseSettings;
  mail: Pick<ParsedMail, 'from' | 'headers' | 'inReplyTo' | 'references'>;
  classification: Classification;
  /** Old mail imported at publish (`import.mode = since`), not newly arrived. */
  imported: boolean;
  /** Every address of ours, as mailbox keys (recipient.ts `ownAddressSet`). */
  ownAddresses: ReadonlySet<string>;
  /** What the sender's counters say about the hour before now (answer-counter.ts). */
  recent: RecentAnswers;
}

export type AnswerRule = (check: AnswerCheck) => Suppression | undefined;

const suppress = (code: SuppressionCode, message: string): Suppression => ({ code, message });

export const autoResponseEnabled: AnswerRule = ({ settings }) =>
  settings.enabled ? undefined : suppress('AUTO_RESPONSE_DISABLED', 'auto-responses are off for this channel');

export const noteAcknowledged: AnswerRule = ({ trigger, settings }) =>
  trigger === 'noteAdded' && !settings.onNote ? suppress('NOTE_ACK_DISABLED', 'a reply that became a note is not acknowledged (autoResponse.onNote is off)') : undefined;

export const notImported: AnswerRule = ({ imported }) =>
  imported ? suppress('IMPORTED', 'imported mail is never answered: it arrived before the channel was published') : undefined;

/** A sender we could not or must not write to: none, invalid, ours, no-reply (recipient.ts). */
export const answerableSender: AnswerRule = ({ mail, ownAddresses }) => recipientProblem(mail.from, ownAddresses);

/**
 * RFC 3834 section 2: any `Auto-Submitted` but `no` — including `auto-forwarded`, which
 * the classifier does not hold against the author for ticket creation — is not answered.
 */
export const notAutoSubmitted: AnswerRule = ({ mail }) => {
  const raw = mail.headers['auto-submitted'];
  if (raw === undefined) return undefined;
  // every line of a repeated header: one `no` does not hide an `auto-replied` beside it
  for (const line of raw.split('\n').slice(0, 10)) {
    const value = line.trim();
    const token = value.split(';')[0]!.split('(')[0]!.trim().toLowerCase();
    if (token !== '' && token !== 'no') return suppress('AUTO_SUBMITTED', `Auto-Submitted: ${value.slice(0, 100)} (RFC 3834: never answered automatically)`);
  }
  return undefined;
};

const kindCodes: Readonly<Record<MailKind, SuppressionCode>> = {
  human: 'NO_AUTO_RESPONSE_REQUESTED',
  bounce: 'BOUNCE',
  list: 'MAILING_LIST',
  loop: 'LOOP',
  'auto-reply': 'MACHINE_MAIL',
  report: 'MACHINE_MAIL',
  notification: 'MACHINE_MAIL',
};

/** The classifier's verdict (classify.ts): machine mail, or a person's mail asking for no auto-response. */
export const notMachineMail: AnswerRule = ({ classification }) => {
  if (!classification.noAutoResponse) return undefined;
  const why = classification.reasons.slice(0, 3).join('; ') || classification.kind;
  return suppress(kindCodes[classification.kind], classification.kind === 'human' ? `the mail asks for no auto-response: ${why}` : `${classification.kind} mail is never answered: ${why}`);
};

/**
 * A mail that refers to one of our recent automatic answers to this very sender, and yet
 * reached this point (it made a ticket or a note to acknowledge), is the other side's
 * robot answering ours: an autoresponder that does not say it is one. Answering it
 * again is the ping-pong. A person answering an acknowledgement loses nothing: their
 * reply is on the ticket; only the acknowledgement of the acknowledgement is not sent.
 */
export const notAnAnswerToOurAnswer: AnswerRule = ({ mail, recent }) => {
  if (recent.messageIds.length === 0) return undefined;
  const ours = new Set(recent.messageIds);
  const hit = referencedMessageIds(mail).find((id) => ours.has(id));
  return hit ? suppress('LOOP_PATTERN', `the mail answers our automatic answer <${hit}> to the same sender within the hour`) : undefined;
};

export const withinRateLimit: AnswerRule = ({ settings, recent }) =>
  recent.count >= settings.perSenderPerHour
    ? suppress('RATE_LIMITED', `${recent.count} automatic answer(s) went to this sender within the last hour; at most ${settings.perSenderPerHour}`)
    : undefined;

/** In order: settings first (cheapest, clearest), then the mail, then the sender's history. */
export const answerRules: readonly AnswerRule[] = [
  autoResponseEnabled,
  noteAcknowledged,
  notImported,
  answerableSender,
  notAutoSubmitted,
  notMachineMail,
  notAnAnswerToOurAnswer,
  withinRateLimit,
];

export type AnswerVerdict = { answer: true } | { answer: false; suppression: Suppression };

/** Whether to send the automatic answer; when not, the first rule's reason. */
export function shouldAutoRespond(check: AnswerCheck): AnswerVerdict {
  for (const rule of answerRules) {
    const suppression = rule(check);
    if (suppression) return { answer: false, suppression };
  }
  return { answer: true };
}
