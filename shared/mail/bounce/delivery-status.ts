import { z } from 'zod';
import { addressOfValue } from './text-addresses';
import { fieldBlocks, fieldValue, type Field } from './field-blocks';
import { oneLine } from './lines';
import { leadingStatus } from './smtp-codes';
import type { WorkMeter } from './work-meter';

/**
 * A `message/delivery-status` part (RFC 3464; `message/global-delivery-status`, RFC 6533):
 * one group of per-message fields, then one group per recipient. What a bounce report
 * needs from it: each recipient's address, action, status and diagnostic, and the ids
 * the report gives for the original mail.
 */

export const DsnAction = z.enum(['failed', 'delayed', 'delivered', 'relayed', 'expanded']);
export type DsnAction = z.infer<typeof DsnAction>;

export const MAX_DIAGNOSTIC = 500;

export const BounceRecipient = z.object({
  address: z.string().max(320),
  /** The DSN's Action; absent in a report without one (plain-text bounces). */
  action: DsnAction.optional(),
  /** RFC 3463 enhanced status code, e.g. `5.1.1`. */
  status: z.string().max(11).optional(),
  /** The remote server's words (`550 5.1.1 <x@y>... User unknown`), one line. */
  diagnostic: z.string().max(MAX_DIAGNOSTIC).optional(),
});
export type BounceRecipient = z.infer<typeof BounceRecipient>;

export interface DeliveryStatus {
  recipients: BounceRecipient[];
  /** `Original-Envelope-Id` (the sender's ENVID) and the `X-Original-Message-ID` Gmail adds. */
  envelopeId?: string;
  originalMessageId?: string;
}

export function readDeliveryStatus(text: string, meter: WorkMeter, maxRecipients: number): DeliveryStatus {
  const out: DeliveryStatus = { recipients: [] };
  for (const block of fieldBlocks(text, meter)) {
    out.envelopeId ??= nonEmpty(fieldValue(block, 'original-envelope-id'));
    out.originalMessageId ??= nonEmpty(fieldValue(block, 'x-original-message-id') ?? fieldValue(block, 'original-message-id'));
    const recipient = recipientOf(block, meter);
    if (recipient && out.recipients.length < maxRecipients) out.recipients.push(recipient);
  }
  return out;
}

/** A per-recipient group: one with Final-Recipient or Original-Recipient (some reports write only the latter). */
function recipientOf(block: readonly Field[], meter: WorkMeter): BounceRecipient | undefined {
  const named = fieldValue(block, 'final-recipient') ?? fieldValue(block, 'original-recipient') ?? fieldValue(block, 'x-actual-recipient');
  const address = named !== undefined ? addressOfValue(named, meter) : undefined;
  if (!address) return undefined;
  const action = DsnAction.safeParse(fieldValue(block, 'action')?.trim().toLowerCase().split(/[\s(;]/)[0]);
  const status = leadingStatus(fieldValue(block, 'status') ?? '');
  const diagnostic = diagnosticText(fieldValue(block, 'diagnostic-code'));
  return { address, ...(action.success ? { action: action.data } : {}), ...(status ? { status } : {}), ...(diagnostic ? { diagnostic } : {}) };
}

/** `smtp; 550 5.1.1 …` → `550 5.1.1 …`: the diagnostic type named before `;` is for machines. */
function diagnosticText(value: string | undefined): string | undefined {
  if (!value) return undefined;
  const semi = value.indexOf(';');
  const typed = semi > 0 && semi <= 20 && !value.slice(0, semi).includes(' ');
  return nonEmpty(oneLine(typed ? value.slice(semi + 1) : value, MAX_DIAGNOSTIC));
}

const nonEmpty = (s: string | undefined) => (s?.trim() ? s.trim() : undefined);
