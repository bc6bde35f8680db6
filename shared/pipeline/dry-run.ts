import type { ChannelRecord } from '../config/channel';
import type { Classification, ParsedMail } from '../mail/parsed-mail';
import { decide, outcomeOf, targetFolder, type Decision, type NotePlan, type TicketPlan } from './decide';
import { ledgerKey, noteIdFor, ticketIdFor } from './ledger-key';
import { resolveMail, type ResolutionDeps } from './resolve-mail';
import type { ProcessDeps } from './process-mail';
import type { Outcome } from '../store/ledger';
import { PermanentError } from '../errors';

/**
 * The dry run: what a given raw mail would do in a channel, through the very stages
 * the real run uses, with no side effects (no blob, no ledger write, no ticket, no
 * move). It reads the ledger to say whether the mail was processed already.
 */
export type DryRunDeps = Pick<ProcessDeps, 'getTemplate' | 'parse' | 'classify'> &
  Partial<Pick<ProcessDeps, 'readLedger'>> & {
    /** The resolution step's reads (thread index, the ticket, answer counters); absent (offline) = judged as a new mail. */
    resolve?: ResolutionDeps;
  };

export interface DryRunResult {
  ledgerKey: string;
  mail?: Omit<ParsedMail, 'headers'> & { headerNames: string[] };
  classification?: Classification;
  decision: Decision;
  outcome: Outcome;
  targetFolder?: string;
  /** The ticket the real run would create (its id included). */
  ticket?: TicketPlan & { id: string };
  /** The note the real run would add to an existing ticket (its id included). */
  note?: NotePlan & { id: string };
  /** The mail was processed already: the real run would make no new ticket. */
  alreadyProcessed?: { outcome?: Outcome; ticketId?: string; state: string };
}

export async function dryRun(channel: ChannelRecord, raw: Buffer, deps: DryRunDeps, folder = channel.folders.read[0] ?? 'Inbox'): Promise<DryRunResult> {
  let mail: ParsedMail | undefined;
  let contents: ReadonlyMap<string, Buffer> = new Map();
  let parseError: string | undefined;
  try {
    const parsed = await deps.parse(raw);
    mail = parsed.mail;
    contents = parsed.attachmentContents;
  } catch (err) {
    parseError = err instanceof PermanentError ? err.message : `the mail could not be parsed: ${(err as Error).message}`;
  }
  if (!mail) {
    const { createHash } = await import('node:crypto');
    const key = ledgerKey(channel.id, { rawSha256: createHash('sha256').update(raw).digest('hex') });
    const reason = parseError ?? 'the mail could not be parsed';
    return {
      ledgerKey: key,
      decision: { action: 'reject', code: 'MIME_UNPARSEABLE', reason, stages: [{ stage: 'parse', result: { verdict: 'reject', code: 'MIME_UNPARSEABLE', reason } }] },
      outcome: 'failed',
      targetFolder: channel.folders.fail,
    };
  }
  const key = ledgerKey(channel.id, { messageId: mail.messageId, rawSha256: mail.rawSha256 });
  const classification = deps.classify(mail, channel);
  const resolution = deps.resolve ? await resolveMail({ mail, attachmentContents: contents }, classification, channel, { id: key, imported: false }, deps.resolve) : undefined;
  const decision = decide({
    channel,
    mail,
    classification,
    folder,
    template: await deps.getTemplate(channel.ticketMapping.templateId),
    receivedAt: mail.date ?? new Date().toISOString(),
    ...(resolution
      ? { thread: resolution.thread, ...(resolution.answer ? { answer: resolution.answer } : {}), ...(resolution.ownMailBounce ? { ownMailBounce: resolution.ownMailBounce } : {}), now: new Date() }
      : {}),
  });
  const existing = deps.readLedger ? await deps.readLedger(channel.id, key) : undefined;
  const { headers, ...rest } = mail;
  return {
    ledgerKey: key,
    mail: { ...rest, headerNames: Object.keys(headers) },
    classification,
    decision,
    outcome: outcomeOf(decision),
    targetFolder: targetFolder(decision, channel.folders),
    ...(decision.action === 'createTicket' ? { ticket: { ...decision.ticket, id: ticketIdFor(key) } } : {}),
    ...(decision.action === 'addNote' ? { note: { ...decision.note, id: noteIdFor(key) } } : {}),
    ...(existing ? { alreadyProcessed: { outcome: existing.record.outcome, ticketId: existing.record.ticketId, state: existing.record.state } } : {}),
  };
}
