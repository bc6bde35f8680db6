import { randomUUID } from 'node:crypto';
import { simpleParser } from 'mailparser';
import MailComposer from 'nodemailer/lib/mail-composer';
import type { GraphSimulator } from '../devhost/graph-simulator';
import type { MailOptions, SampleMail } from './mails';

/**
 * The mails of a conversation for the reply benchmarks, composed by nodemailer as a mail
 * client writes them: a customer's first mail (each from an address of its own, so the
 * channel's limit of acknowledgements per sender and hour never suppresses one), the
 * acknowledgement the channel sent for it (read back from the Graph simulator, where the
 * channel's real sendMail put it), and the customer's answer to that acknowledgement —
 * `Re:` + its subject (which carries the ticket token), In-Reply-To/References naming its
 * Message-ID, the new text on top and the acknowledgement quoted below, as Outlook and
 * Gmail answer.
 */

const PROBLEM = 'Shared drive is read-only since this morning';
const BODY =
  'Since this morning the shared drive of our team only opens read-only. I restarted the ' +
  'computer and logged in again, but nothing changed. Colleagues in the same team see it too.';
const ANSWER =
  'Thanks for the quick reply. Here is more detail: it is drive S: on Windows 11, and the ' +
  'error says "You need permission to perform this action". It started after the update last night.';

/** The address the customer of conversation `index` writes from. */
export const requesterOf = (tag: string, index: number): string => `requester-${tag}-${index}@example.org`;

async function compose(options: ConstructorParameters<typeof MailComposer>[0]): Promise<Buffer> {
  return new MailComposer(options).compile().build();
}

/** A customer's first mail (plain text), from an address of its own. */
export async function openingMail(index: number, opts: MailOptions): Promise<SampleMail> {
  const messageId = `${opts.tag}-open-${index}-${randomUUID()}@client.example.org`;
  const subject = `${PROBLEM} (#${index})`;
  const raw = await compose({
    from: `"Requester ${index}" <${requesterOf(opts.tag, index)}>`,
    to: opts.to,
    messageId: `<${messageId}>`,
    date: new Date(),
    subject,
    text: `Hello support,\n\n${BODY}\n\nKind regards,\nRequester ${index}\n`,
  });
  return { kind: 'plain', subject, messageId, raw };
}

export async function openingMails(count: number, opts: MailOptions, start = 0): Promise<SampleMail[]> {
  const out: SampleMail[] = [];
  for (let i = start; i < start + count; i++) out.push(await openingMail(i, opts));
  return out;
}

/** A mail the channel sent, as its recipient's client reads it. */
export interface ReceivedMail {
  /** The first recipient (the customer). */
  to: string;
  from: string;
  subject: string;
  /** With angle brackets, as in the header. */
  messageId: string;
  references: string[];
  text: string;
  date: Date;
  autoSubmitted?: string;
}

export async function readReceived(raw: Buffer): Promise<ReceivedMail> {
  const parsed = await simpleParser(raw);
  const first = (list: typeof parsed.to) => (Array.isArray(list) ? list[0] : list)?.value[0]?.address ?? '';
  const references = parsed.references === undefined ? [] : Array.isArray(parsed.references) ? parsed.references : [parsed.references];
  const autoSubmitted = parsed.headers.get('auto-submitted');
  return {
    to: first(parsed.to),
    from: parsed.from?.value[0]?.address ?? '',
    subject: parsed.subject ?? '',
    messageId: parsed.messageId ?? '',
    references,
    text: parsed.text ?? '',
    date: parsed.date ?? new Date(0),
    ...(typeof autoSubmitted === 'string' ? { autoSubmitted } : {}),
  };
}

/** The acknowledgements (Auto-Submitted: auto-replied) a channel's mailbox sent through the simulator's sendMail, oldest first. */
export async function acknowledgementsSentBy(sim: GraphSimulator, mailbox: string): Promise<ReceivedMail[]> {
  const own = sim.sentMail.filter((s) => s.mailbox.toLowerCase() === mailbox.toLowerCase());
  const mails = await Promise.all(own.map((s) => readReceived(s.raw)));
  return mails.filter((m) => m.autoSubmitted === 'auto-replied');
}

/** `> ` before every line, as a client quotes the mail it answers. */
export const quoted = (text: string): string =>
  text
    .replaceAll('\r\n', '\n')
    .trimEnd()
    .split('\n')
    .map((line) => (line ? `> ${line}` : '>'))
    .join('\n');

/** The customer's answer to a mail of the channel (`Re:` + its subject, threaded to it, quoting it). */
export async function customerReply(to: ReceivedMail, index: number, opts: MailOptions): Promise<SampleMail> {
  const messageId = `${opts.tag}-reply-${index}-${randomUUID()}@client.example.org`;
  const subject = `Re: ${to.subject}`;
  const attribution = `On ${to.date.toUTCString()}, ${to.from} wrote:`;
  const raw = await compose({
    from: to.to,
    to: opts.to,
    messageId: `<${messageId}>`,
    date: new Date(),
    subject,
    inReplyTo: to.messageId,
    references: [...to.references, to.messageId],
    text: `Hi,\n\n${ANSWER}\n\nThanks,\nRequester ${index}\n\n${attribution}\n${quoted(to.text)}\n`,
  });
  return { kind: 'reply', subject, messageId, raw };
}
