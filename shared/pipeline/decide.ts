import { mapTicket, type MappableTemplate, type MappedTicket } from '../tickets/field-mapping';
import { judgeAttachment, type AttachmentVerdict } from './attachment-policy';
import type { ReasonCode, StageRecord } from './decision';
import type { StageInput } from './stage';
import type { Outcome } from '../store/ledger';
import { filterStages } from './stages';

/**
 * The whole decision for one mail, from the filter stages and the field mapping.
 * Pure: the real run, the dry run, the CLI and the tests all call this.
 */
export type TicketPlan = MappedTicket & { attachments: AttachmentVerdict[] };

export type Decision =
  | { action: 'leave' | 'ignore' | 'reject'; code: ReasonCode; reason: string; stages: StageRecord[] }
  | { action: 'createTicket'; ticket: TicketPlan; stages: StageRecord[] };

export const outcomeOf = (d: Decision): Outcome =>
  d.action === 'createTicket' ? 'created' : d.action === 'ignore' ? 'ignored' : d.action === 'leave' ? 'left' : d.code === 'MIME_UNPARSEABLE' ? 'failed' : 'rejected';

/** Where the mail goes for each action (`undefined` = stays where it is). */
export function targetFolder(decision: Pick<Decision, 'action'>, folders: { success: string; fail: string }): string | undefined {
  switch (decision.action) {
    case 'leave': return undefined;
    case 'reject': return folders.fail;
    case 'ignore':
    case 'createTicket': return folders.success;
  }
}

export function decide(input: StageInput & { template: MappableTemplate | undefined; receivedAt: string }): Decision {
  const stages: StageRecord[] = [];
  for (const stage of filterStages) {
    const result = stage.run(input);
    stages.push({ stage: stage.name, result });
    if (result.verdict !== 'continue') return { action: result.verdict, code: result.code, reason: result.reason, stages };
  }

  if (!input.template) {
    const reason = `the channel's template "${input.channel.ticketMapping.templateId}" does not exist`;
    stages.push({ stage: 'field-mapping', result: { verdict: 'reject', code: 'TEMPLATE_MISSING', reason } });
    return { action: 'reject', code: 'TEMPLATE_MISSING', reason, stages };
  }
  const mapped = mapTicket(input.channel, input.template, input.mail, input.receivedAt);
  if (!mapped.ok) {
    stages.push({ stage: 'field-mapping', result: { verdict: 'reject', code: mapped.code, reason: mapped.reason } });
    return { action: 'reject', code: mapped.code, reason: mapped.reason, stages };
  }
  stages.push({ stage: 'field-mapping', result: { verdict: 'continue', note: mapped.notes.join('; ') || `mapped onto template ${input.template.id}` } });

  const attachments = input.mail.attachments.map((a) => judgeAttachment(a));
  const blocked = attachments.filter((a) => a.blocked);
  stages.push({
    stage: 'attachment-policy',
    result: {
      verdict: 'continue',
      note: blocked.length ? blocked.map((a) => `${a.filename}: ${a.blocked}`).join('; ') : `${attachments.length} attachment(s) accepted`,
    },
  });
  return { action: 'createTicket', ticket: { ...mapped.ticket, attachments }, stages };
}
