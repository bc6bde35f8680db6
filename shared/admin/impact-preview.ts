import { z } from 'zod';
import { Outcome, type LedgerRecord } from '../store/ledger';
import type { DryRunResult } from '../pipeline/dry-run';

/**
 * The impact preview's report: the channel's recent stored mails decided once with the
 * stored configuration and once with an edited one, side by side, and how many outcomes
 * would move from what to what. Pure shaping; impact-preview-operation.ts does the I/O.
 */

/** `?limit=` — how many of the newest stored mails to re-run. */
export const ImpactPreviewQuery = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
});
export type ImpactPreviewQuery = z.infer<typeof ImpactPreviewQuery>;

const Verdict = z.object({
  outcome: Outcome,
  /** Why a mail is left, ignored or rejected; absent when it becomes a ticket or a note. */
  reasonCode: z.string().optional(),
  reason: z.string().optional(),
});
export type Verdict = z.infer<typeof Verdict>;

export const ImpactItem = z.object({
  key: z.string().describe('the mail\'s ledger key'),
  subject: z.string().optional(),
  from: z.string().optional(),
  receivedAt: z.string().optional(),
  /** What the stored configuration decides for this mail now. */
  before: Verdict,
  /** What the edited configuration would decide. */
  after: Verdict,
  changed: z.boolean().describe('outcome or reason code differ'),
});
export type ImpactItem = z.infer<typeof ImpactItem>;

export const OutcomeChange = z.object({ from: Outcome, to: Outcome, count: z.number().int().min(1) });
export type OutcomeChange = z.infer<typeof OutcomeChange>;

export const ImpactPreview = z.object({
  channelId: z.string(),
  limit: z.number().int(),
  items: z.array(ImpactItem).describe('newest first'),
  skipped: z.array(z.object({ key: z.string(), reason: z.string() })).describe('stored mails whose original could not be read (no longer in Blob storage)'),
  summary: z.object({
    compared: z.number().int(),
    changed: z.number().int().describe('mails whose outcome or reason code would change'),
    /** Outcome changes only (a mail rejected for another reason is changed but not counted here). */
    outcomeChanges: z.array(OutcomeChange).describe('by from → to, most frequent first'),
  }),
});
export type ImpactPreview = z.infer<typeof ImpactPreview>;

/** The verdict a dry run reaches, as the ledger would record it (outcome, reason code). */
export function verdictOf(result: Pick<DryRunResult, 'decision' | 'outcome'>): Verdict {
  const d = result.decision;
  if (d.action === 'createTicket' || d.action === 'addNote') return { outcome: result.outcome };
  return { outcome: result.outcome, reasonCode: d.code, reason: d.reason };
}

/** One stored mail's line of the report. */
export function impactItem(record: Pick<LedgerRecord, 'id' | 'subject' | 'from' | 'timings'>, before: Verdict, after: Verdict): ImpactItem {
  return {
    key: record.id,
    ...(record.subject !== undefined ? { subject: record.subject } : {}),
    ...(record.from !== undefined ? { from: record.from } : {}),
    ...(record.timings.receivedAt !== undefined ? { receivedAt: record.timings.receivedAt } : {}),
    before,
    after,
    changed: before.outcome !== after.outcome || before.reasonCode !== after.reasonCode,
  };
}

/** Counts of changed outcomes by from → to, most frequent first (ties in a stable order). */
export function impactSummary(items: readonly ImpactItem[]): ImpactPreview['summary'] {
  const counts = new Map<string, OutcomeChange>();
  for (const item of items) {
    if (item.before.outcome === item.after.outcome) continue;
    const id = `${item.before.outcome}>${item.after.outcome}`;
    const entry = counts.get(id) ?? { from: item.before.outcome, to: item.after.outcome, count: 0 };
    entry.count++;
    counts.set(id, entry);
  }
  const outcomeChanges = [...counts.values()].sort((a, b) => b.count - a.count || a.from.localeCompare(b.from) || a.to.localeCompare(b.to));
  return { compared: items.length, changed: items.filter((i) => i.changed).length, outcomeChanges };
}
