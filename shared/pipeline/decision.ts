import { z } from 'zod';

/**
 * The typed decisions of the pipeline. A stage looks at the mail and says one of:
 * continue, leave (do not touch the mail), ignore (no ticket, success folder),
 * reject (fail folder, with a reason). The decision is data: the dry run, the ledger
 * and the tests all read the same records.
 */
export const ReasonCode = z.enum([
  'EXCLUSION_FOLDER',
  'SENDER_DOMAIN_NOT_ALLOWED',
  'SENDER_MISSING',
  'AUTO_REPLY',
  'BOUNCE',
  'MAILING_LIST',
  'LOOP',
  'MAIL_REPORT',
  'NOTIFICATION',
  'REQUIRED_FIELD_MISSING',
  'FIELD_VALUE_INVALID',
  'FIELD_MAPPING_INVALID',
  'TEMPLATE_MISSING',
  'TICKET_REJECTED',
  'MIME_UNPARSEABLE',
  /** Larger than the size limit (large-mail.ts): recorded from its header block, neither stored nor parsed. */
  'MAIL_TOO_LARGE',
  'POISON',
  'CHANNEL_NOT_PUBLISHED',
  // replies (threading/reply-route.ts)
  'UNTRUSTED_REPLY',
  'TEMPLATE_NOT_WHITELISTED',
  'CLOSED_TICKET',
  'NOTE_REJECTED',
  'OWN_MAIL_BOUNCED',
]);
export type ReasonCode = z.infer<typeof ReasonCode>;

export const StageVerdict = z.discriminatedUnion('verdict', [
  z.object({ verdict: z.literal('continue'), note: z.string().optional() }),
  z.object({ verdict: z.literal('leave'), code: ReasonCode, reason: z.string() }),
  z.object({ verdict: z.literal('ignore'), code: ReasonCode, reason: z.string() }),
  z.object({ verdict: z.literal('reject'), code: ReasonCode, reason: z.string() }),
]);
export type StageVerdict = z.infer<typeof StageVerdict>;

/** One stage's verdict as recorded in the ledger and shown by the dry run. */
export const StageRecord = z.object({ stage: z.string(), result: StageVerdict });
export type StageRecord = z.infer<typeof StageRecord>;

export const cont = (note?: string): StageVerdict => (note ? { verdict: 'continue', note } : { verdict: 'continue' });
export const leave = (code: ReasonCode, reason: string): StageVerdict => ({ verdict: 'leave', code, reason });
export const ignore = (code: ReasonCode, reason: string): StageVerdict => ({ verdict: 'ignore', code, reason });
export const reject = (code: ReasonCode, reason: string): StageVerdict => ({ verdict: 'reject', code, reason });
