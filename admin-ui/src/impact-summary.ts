import type { ImpactPreview, Verdict } from '../../shared/admin/impact-preview';

/**
 * The words of the impact preview: its headline, the outcome changes by from → to, and a
 * verdict as one line. Pure, so the phrasing of an empty history or of no change is tested
 * without a browser.
 */
const mails = (n: number) => `${n} ${n === 1 ? 'mail' : 'mails'}`;

export function impactHeadline(p: Pick<ImpactPreview, 'summary' | 'skipped'>): string {
  const { compared, changed } = p.summary;
  if (compared === 0 && p.skipped.length === 0) return 'This channel has no stored mail yet: there is nothing to compare the change with.';
  if (compared === 0) return `None of the channel's recent mails could be re-run: the originals of ${mails(p.skipped.length)} are no longer stored.`;
  if (changed === 0) return `None of the last ${mails(compared)} would be decided differently.`;
  return `${changed} of the last ${mails(compared)} would be decided differently.`;
}

/** "created → rejected: 2 mails", most frequent first (the API's order). */
export function outcomeChangeLines(p: Pick<ImpactPreview, 'summary'>): string[] {
  return p.summary.outcomeChanges.map((c) => `${c.from} → ${c.to}: ${mails(c.count)}`);
}

export function verdictText(v: Verdict): string {
  return v.reasonCode ? `${v.outcome} (${v.reasonCode})` : v.outcome;
}
