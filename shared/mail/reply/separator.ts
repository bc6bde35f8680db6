import { alternation, isBlank, isRuleLine, nextNonBlank } from './lines';
import { headerFieldAt } from './header-block';
import { forwardIntroductions, separatorTitles } from './vocabulary';

// A title between rules: `-----Original Message-----`, `---------- Forwarded message ---------`, `----- Mensaje original -----`.
const titledRuleRe = new RegExp(`^[-_=*]{2,}\\s*(?:${alternation(separatorTitles)})\\s*[-_=*]{2,}$`, 'i');
// …also with a title this list lacks, when a header field follows it.
const anyTitledRuleRe = /^[-_=*]{2,}\s*[^-\s_=*][^-_=*]{0,60}[-_=*]{2,}$/;
const forwardIntroRe = new RegExp(`^(?:${alternation(forwardIntroductions)})\\s*:?$`, 'i');
// `-----Original Message-----` without its dashes, as some webmailers write it.
const bareTitleRe = new RegExp(`^(?:${alternation(separatorTitles)})\\s*:?$`, 'i');

/**
 * The line where a separator starts forwarded or original history: a titled rule, a
 * forward introduction, or a bare title line followed by a header field.
 */
export function isSeparator(lines: readonly string[], i: number): boolean {
  const t = lines[i]!.trim();
  if (!t || t.length > 120) return false;
  if (titledRuleRe.test(t) || forwardIntroRe.test(t)) return true;
  const headerFollows = () => headerFieldAt(lines[nextNonBlank(lines, i + 1)] ?? '') !== undefined;
  if (anyTitledRuleRe.test(t) && !isRuleLine(t)) return headerFollows();
  return bareTitleRe.test(t) && headerFollows();
}

/** Moves a cut up over the rule lines (`____`, `====`) and blank lines just above it. */
export function ruleAbove(lines: readonly string[], i: number): number {
  let j = i - 1;
  let at = i;
  while (j >= 0 && (isBlank(lines[j]) || isRuleLine(lines[j], 4))) {
    if (isRuleLine(lines[j], 4)) at = j;
    j--;
  }
  return at;
}
