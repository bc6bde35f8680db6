import { z } from 'zod';
import { normalizeMessageId } from '../pipeline/ledger-key';
import { BounceRecipient, MAX_DIAGNOSTIC, readDeliveryStatus, type DeliveryStatus } from './bounce/delivery-status';
import { fieldValue, headerBlock } from './bounce/field-blocks';
import { oneLine } from './bounce/lines';
import { rawReturnedMessageIds } from './bounce/raw-returned';
import { describeStatus } from './bounce/smtp-codes';
import { addressesIn } from './bounce/text-addresses';
import { idIn, readTextReport, type TextReport } from './bounce/text-report';
import { newWorkMeter, type WorkMeter } from './bounce/work-meter';
import type { ParsedMail } from './parsed-mail';
import { feedbackReport } from './signals/feedback-report';
import { sesNotification } from './signals/ses-notification';

/**
 * What a bounce (a mail classified `bounce`) says about the mail that failed: which mail
 * it was (its Message-ID, so the outbox record it came from can be found), who could not
 * be reached, and why, in a line a person can read.
 *
 * Read from every place real bounces put it, strongest first: the returned original
 * (`message/rfc822`, or only its headers as `text/rfc822-headers`), the delivery-status
 * part (RFC 3464), the bounce's own In-Reply-To/References (Gmail and Exchange set them),
 * and the text, where plain-text bounces (qmail, Exim, Postfix, GMX, IMail …) quote the
 * original's headers and name the address with the server's answer.
 *
 * Pure, and bounded on hostile input: at most MAX_REPORT_PARTS parts are read, each up to
 * MAX_PART_CHARS, and the text up to MAX_TEXT_CHARS; the output's lists and strings have
 * fixed maxima. `options.meter` counts the characters looked at (see bounce/work-meter.ts).
 */

export const MAX_ORIGINAL_IDS = 20;
export const MAX_RECIPIENTS = 20;
export const MAX_REASON = 300;
/** Parts of the report types read at most (a real bounce has one or two). */
export const MAX_REPORT_PARTS = 8;
export const MAX_PART_CHARS = 64 * 1024;
export const MAX_TEXT_CHARS = 256 * 1024;

export const OriginalIdSource = z.enum(['returned-message', 'delivery-status', 'in-reply-to', 'references', 'quoted-headers', 'envelope-id']);
export type OriginalIdSource = z.infer<typeof OriginalIdSource>;

export const BounceReport = z.object({
  /** Candidate Message-IDs of the failed mail, without brackets, strongest first. */
  originalMessageIds: z.array(z.object({ id: z.string().min(1).max(998), source: OriginalIdSource })).max(MAX_ORIGINAL_IDS),
  /** Every recipient the report names, failed or not. */
  recipients: z.array(BounceRecipient).max(MAX_RECIPIENTS),
  /**
   * False for a delay warning (every recipient `delayed`, or the text says the server keeps
   * trying), and for a complaint (ARF feedback report, RFC 5965/6591; Microsoft JMRP; an
   * Amazon SES complaint): it returns the mail too, but the mail was delivered.
   */
  failed: z.boolean(),
  /** The failed (else first) recipient and its status, for the mark. */
  recipient: z.string().max(320).optional(),
  status: z.string().max(11).optional(),
  /** One line, e.g. `550 5.1.1 <x@example.org>... User unknown`. */
  reason: z.string().min(1).max(MAX_REASON),
});
export type BounceReport = z.infer<typeof BounceReport>;

const deliveryStatusTypes = new Set(['message/delivery-status', 'message/global-delivery-status']);
/** Parts that carry the failed mail, or its header block (`message/partial` too: Bigfoot returns the original that way). */
const returnedMessageTypes = new Set(['message/rfc822', 'message/global', 'text/rfc822-headers', 'message/global-headers', 'message/partial']);

export interface ReadOptions {
  /**
   * The raw MIME: an inline `message/rfc822` part loses its headers in the parsed mail
   * (bounce/raw-returned.ts), so its Message-ID is read from here when given.
   */
  raw?: Buffer;
  meter?: WorkMeter;
}

export function readBounceReport(mail: ParsedMail, contents: ReadonlyMap<string, Buffer>, options: ReadOptions = {}): BounceReport {
  const meter = options.meter ?? newWorkMeter();
  const ids = new OriginalIds();
  const dsn: DeliveryStatus = { recipients: [] };

  const parts = mail.attachments.filter((a) => deliveryStatusTypes.has(a.contentType) || returnedMessageTypes.has(a.contentType)).slice(0, MAX_REPORT_PARTS);
  for (const part of parts) {
    const content = contents.get(part.sha256);
    if (!content) continue;
    const text = content.subarray(0, MAX_PART_CHARS).toString('utf8');
    if (returnedMessageTypes.has(part.contentType)) {
      // some servers leave a blank line between the part's headers and the returned mail's
      ids.add(idIn(fieldValue(headerBlock(withoutLeadingBlankLines(text), meter), 'message-id') ?? ''), 'returned-message');
      continue;
    }
    const read = readDeliveryStatus(text, meter, MAX_RECIPIENTS - dsn.recipients.length);
    dsn.recipients.push(...read.recipients);
    dsn.originalMessageId ??= read.originalMessageId;
    dsn.envelopeId ??= read.envelopeId;
  }
  for (const id of options.raw ? rawReturnedMessageIds(options.raw, meter, MAX_REPORT_PARTS) : []) ids.add(id, 'returned-message');
  ids.add(idIn(dsn.originalMessageId ?? ''), 'delivery-status');
  ids.add(mail.inReplyTo, 'in-reply-to');
  for (let i = mail.references.length - 1; i >= 0 && i >= mail.references.length - MAX_ORIGINAL_IDS; i--) ids.add(mail.references[i], 'references');

  const failedHeader = addressesIn((mail.headers['x-failed-recipients'] ?? '').slice(0, 4096), meter, MAX_RECIPIENTS).map((a) => a.address);
  const text = readTextReport(mail.text.slice(0, MAX_TEXT_CHARS), mail.subject, meter, { maxIds: MAX_ORIGINAL_IDS, maxDiagnostic: MAX_DIAGNOSTIC }, dsn.recipients.length ? [] : failedHeader);
  for (const id of text.quotedMessageIds) ids.add(id, 'quoted-headers');
  // an ENVID is whatever the sender chose; only one shaped like a Message-ID can name one
  ids.add(idIn(dsn.envelopeId ?? ''), 'envelope-id');

  const recipients = dsn.recipients.length ? dsn.recipients : textRecipients(text);
  const primary = recipients.find((r) => r.action === 'failed') ?? recipients.find((r) => !r.action && r.status?.startsWith('5')) ?? recipients[0];
  const status = primary?.status ?? text.status;
  const reason = oneLine(primary?.diagnostic ?? text.diagnostic ?? (status ? describeStatus(status) : undefined) ?? mail.subject, MAX_REASON) || 'the mail could not be delivered';

  return BounceReport.parse({
    originalMessageIds: ids.list,
    recipients,
    failed: !isComplaint(mail) && isFailure(dsn.recipients, text.delayed),
    ...(primary ? { recipient: primary.address } : {}),
    ...(status ? { status } : {}),
    reason,
  });
}

/**
 * A failure unless it is a delay warning: the report's actions decide when it has them
 * (any `failed`, or a permanent status without an action); a report without actions
 * counts as a failure unless its text says the server keeps trying.
 */
function isFailure(recipients: readonly BounceRecipient[], textSaysDelayed: boolean): boolean {
  if (recipients.some((r) => r.action === 'failed' || (!r.action && r.status?.startsWith('5')))) return true;
  if (recipients.some((r) => r.action)) return false;
  return !textSaysDelayed;
}

/**
 * A complaint about a delivered mail, by the classifier's own signals: an ARF report
 * (RFC 5965/6591), a Microsoft JMRP complaint, an Amazon SES complaint notification.
 */
function isComplaint(mail: ParsedMail): boolean {
  const input = { mail, ownAddresses: [] };
  return feedbackReport.test(input) !== undefined || sesNotification.test(input)?.kind === 'report';
}

/**
 * Recipients of a bounce without a delivery-status part: Exim's X-Failed-Recipients, each
 * with the words the text has about it, else the one address the text names.
 */
function textRecipients(text: TextReport): BounceRecipient[] {
  if (text.named.length) return text.named;
  if (!text.recipient) return [];
  return [{ address: text.recipient, ...(text.status ? { status: text.status } : {}), ...(text.diagnostic ? { diagnostic: text.diagnostic } : {}) }];
}

/** The text from its first line that is not blank, looking at most a few lines in. */
function withoutLeadingBlankLines(text: string): string {
  let at = 0;
  for (let n = 0; n < 4; n++) {
    const end = text.indexOf('\n', at);
    if (end < 0 || text.slice(at, end).trim() !== '') break;
    at = end + 1;
  }
  return at ? text.slice(at) : text;
}

/** Candidate ids, de-duplicated the way the thread index keys them, at most MAX_ORIGINAL_IDS. */
class OriginalIds {
  readonly list: { id: string; source: OriginalIdSource }[] = [];
  private readonly seen = new Set<string>();

  add(raw: string | undefined, source: OriginalIdSource): void {
    const id = raw?.trim();
    if (!id || id.length > 998 || this.list.length >= MAX_ORIGINAL_IDS) return;
    const key = normalizeMessageId(id);
    if (!key || this.seen.has(key)) return;
    this.seen.add(key);
    this.list.push({ id, source });
  }
}
