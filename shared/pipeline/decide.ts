import { shouldAutoRespond, type Suppression } from '../answers/answer-policy';
import type { RecentAnswers } from '../answers/answer-counter';
import { channelOwnAddresses } from '../answers/channel-identity';
import type { Address } from '../mail/parsed-mail';
import type { OwnMailBounce } from '../outbound/bounce-of-own-mail';
import { mapTicket, type MappableTemplate, type MappedTicket } from '../tickets/field-mapping';
import { replyPolicyOf, routeReply, type ReplyRoute } from '../threading/reply-route';
import type { ThreadContext } from '../threading/thread-context';
import { judgeAttachment, type AttachmentVerdict } from './attachment-policy';
import type { ReasonCode, StageRecord } from './decision';
import type { StageInput } from './stage';
import type { Outcome } from '../store/ledger';
import { filterStages } from './stages';

/**
 * The whole decision for one mail, from the filter stages, the thread the resolution step
 * found, the field mapping and the answer policy. Pure: the real run, the dry run, the CLI
 * and the tests all call this. What needs I/O (the thread, the sender's recent answers)
 * is read before and handed in as data.
 */
export type TicketPlan = MappedTicket & { attachments: AttachmentVerdict[]; relatedTicketId?: string };

/** A reply that becomes a note on an existing ticket. */
export interface NotePlan {
  ticketId: string;
  /** Reopen the ticket: it was resolved or closed at `closedAt`, within the channel's window. */
  reopen: boolean;
  closedAt?: string;
  author: Address;
  /** The new text of the reply (quoted history cut); the whole mail when nothing is left after cutting. */
  text: string;
  html?: string;
  attachments: AttachmentVerdict[];
}

/** What thread resolution found and what it meant, for the ledger and the dry run. */
export interface ThreadOutcome {
  ticketId?: string;
  code: ReplyRoute['code'];
  reason: string;
  /** How the ticket was found: `token [#T-000123-…] (valid)`, `messageId <…> (sent)`, … */
  signals: string[];
}

/** An automatic answer the decision asks for, or why none goes. */
export type AnswerOutcome =
  | { purpose: 'autoResponse'; send: true; to: Address }
  | { purpose: 'autoResponse'; send: false; suppression: Suppression };

export type Decision =
  | { action: 'leave' | 'ignore' | 'reject'; code: ReasonCode; reason: string; stages: StageRecord[]; thread?: ThreadOutcome; bounce?: OwnMailBounce }
  | { action: 'createTicket'; ticket: TicketPlan; stages: StageRecord[]; thread?: ThreadOutcome; answers: AnswerOutcome[] }
  | { action: 'addNote'; note: NotePlan; stages: StageRecord[]; thread: ThreadOutcome; answers: AnswerOutcome[] };

/** What the answer policy needs beyond the mail: read before deciding (answer counters, the channel list). */
export interface AnswerContext {
  recent: RecentAnswers;
  /** Every address of ours (answers/channel-identity.ts `channelOwnAddresses`). */
  ownAddresses: ReadonlySet<string>;
  imported: boolean;
}

export interface DecideInput extends StageInput {
  template: MappableTemplate | undefined;
  receivedAt: string;
  /** What thread resolution found; absent = it did not run (the mail is judged as a new one). */
  thread?: ThreadContext;
  /** Defaults: no recent answers, this channel's own addresses, not imported. */
  answer?: AnswerContext;
  /** The clock of the closed-ticket window; defaults to `receivedAt`. */
  now?: Date;
}

export const outcomeOf = (d: Decision): Outcome =>
  d.action === 'createTicket'
    ? 'created'
    : d.action === 'addNote'
      ? 'noted'
      : d.action === 'ignore'
        ? 'ignored'
        : d.action === 'leave'
          ? 'left'
          : d.code === 'MIME_UNPARSEABLE'
            ? 'failed'
            : 'rejected';

/** Where the mail goes for each action (`undefined` = stays where it is). */
export function targetFolder(decision: Pick<Decision, 'action'>, folders: { success: string; fail: string }): string | undefined {
  switch (decision.action) {
    case 'leave': return undefined;
    case 'reject': return folders.fail;
    case 'ignore':
    case 'addNote':
    case 'createTicket': return folders.success;
  }
}

const routeCodes: Readonly<Record<ReplyRoute['code'], ReasonCode | undefined>> = {
  NO_THREAD: undefined,
  ATTACHED: undefined,
  REOPENED: undefined,
  UNTRUSTED_REPLY: 'UNTRUSTED_REPLY',
  TEMPLATE_NOT_WHITELISTED: 'TEMPLATE_NOT_WHITELISTED',
  CLOSED_TICKET: 'CLOSED_TICKET',
};

export function decide(input: DecideInput): Decision {
  const stages: StageRecord[] = [];
  for (const stage of filterStages) {
    const result = stage.run(input);
    stages.push({ stage: stage.name, result });
    if (result.verdict !== 'continue') {
      return { action: result.verdict, code: result.code, reason: result.reason, stages, ...(result.code === 'OWN_MAIL_BOUNCED' && input.ownMailBounce ? { bounce: input.ownMailBounce } : {}) };
    }
  }

  let thread: ThreadOutcome | undefined;
  let relatedTicketId: string | undefined;
  if (input.thread) {
    const route = routeReply(input.thread, input.mail.from?.address, replyPolicyOf(input.channel), input.now ?? new Date(input.receivedAt));
    thread = threadOutcome(input.thread, route);
    if (route.action === 'reject') {
      const code = routeCodes[route.code] ?? 'NOTE_REJECTED';
      stages.push({ stage: 'thread', result: { verdict: 'reject', code, reason: route.reason } });
      return { action: 'reject', code, reason: route.reason, stages, thread };
    }
    stages.push({ stage: 'thread', result: { verdict: 'continue', note: route.action === 'addNote' ? `note on ticket ${route.ticketId}: ${route.reason}` : route.reason } });
    if (route.action === 'addNote') return noteDecision(input, route, thread, stages);
    relatedTicketId = route.linkTo;
  }

  if (!input.template) {
    const reason = `the channel's template "${input.channel.ticketMapping.templateId}" does not exist`;
    stages.push({ stage: 'field-mapping', result: { verdict: 'reject', code: 'TEMPLATE_MISSING', reason } });
    return { action: 'reject', code: 'TEMPLATE_MISSING', reason, stages, ...(thread ? { thread } : {}) };
  }
  const mapped = mapTicket(input.channel, input.template, input.mail, input.receivedAt);
  if (!mapped.ok) {
    stages.push({ stage: 'field-mapping', result: { verdict: 'reject', code: mapped.code, reason: mapped.reason } });
    return { action: 'reject', code: mapped.code, reason: mapped.reason, stages, ...(thread ? { thread } : {}) };
  }
  stages.push({ stage: 'field-mapping', result: { verdict: 'continue', note: mapped.notes.join('; ') || `mapped onto template ${input.template.id}` } });

  const attachments = judgeAttachments(input, stages);
  const answers = [autoResponse(input, 'ticketCreated', stages)];
  return {
    action: 'createTicket',
    ticket: { ...mapped.ticket, attachments, ...(relatedTicketId ? { relatedTicketId } : {}) },
    stages,
    ...(thread ? { thread } : {}),
    answers,
  };
}

function noteDecision(input: DecideInput, route: Extract<ReplyRoute, { action: 'addNote' }>, thread: ThreadOutcome, stages: StageRecord[]): Decision {
  const { mail } = input;
  const cut = mail.replyText.trim() !== '';
  const note: NotePlan = {
    ticketId: route.ticketId,
    reopen: route.reopen,
    ...(route.reopen && input.thread?.ticket?.closedAt ? { closedAt: input.thread.ticket.closedAt } : {}),
    author: mail.from ?? { address: '', name: '' },
    // nothing left after cutting (an answer that is all quote, or a cut too eager): the whole text, never nothing
    text: cut ? mail.replyText : mail.text,
    ...(cut ? (mail.replyHtml !== undefined ? { html: mail.replyHtml } : {}) : mail.html !== undefined ? { html: mail.html } : {}),
    attachments: judgeAttachments(input, stages),
  };
  const answers = [autoResponse(input, 'noteAdded', stages)];
  return { action: 'addNote', note, stages, thread, answers };
}

function judgeAttachments(input: DecideInput, stages: StageRecord[]): AttachmentVerdict[] {
  const attachments = input.mail.attachments.map((a) => judgeAttachment(a));
  const blocked = attachments.filter((a) => a.blocked);
  stages.push({
    stage: 'attachment-policy',
    result: {
      verdict: 'continue',
      note: blocked.length ? blocked.map((a) => `${a.filename}: ${a.blocked}`).join('; ') : `${attachments.length} attachment(s) accepted`,
    },
  });
  return attachments;
}

function autoResponse(input: DecideInput, trigger: 'ticketCreated' | 'noteAdded', stages: StageRecord[]): AnswerOutcome {
  const answers = input.channel.answers;
  const context: AnswerContext = input.answer ?? { recent: { count: 0, messageIds: [] }, ownAddresses: channelOwnAddresses(input.channel, answers), imported: false };
  const verdict = shouldAutoRespond({
    trigger,
    settings: answers.autoResponse,
    mail: input.mail,
    classification: input.classification,
    imported: context.imported,
    ownAddresses: context.ownAddresses,
    recent: context.recent,
  });
  if (!verdict.answer) {
    stages.push({ stage: 'auto-response', result: { verdict: 'continue', note: `no auto-response: ${verdict.suppression.code}: ${verdict.suppression.message}` } });
    return { purpose: 'autoResponse', send: false, suppression: verdict.suppression };
  }
  const to = input.mail.from!;
  stages.push({ stage: 'auto-response', result: { verdict: 'continue', note: `auto-response to ${to.address}` } });
  return { purpose: 'autoResponse', send: true, to };
}

function threadOutcome(context: ThreadContext, route: ReplyRoute): ThreadOutcome {
  const signals = context.choice.signals.map((s) => `${s.signal} ${s.evidence}${'signature' in s ? ` (${s.signature})` : s.signal === 'messageId' ? ` (${s.direction})` : ''}`);
  const ticketId = route.action === 'addNote' || route.action === 'reject' ? route.ticketId : route.linkTo ?? context.choice.ticketId;
  return { ...(ticketId ? { ticketId } : {}), code: route.code, reason: route.reason, signals };
}
