/** Small line predicates shared by the reply rules. None of them backtracks: each reads its line once. */

export const isBlank = (line: string | undefined): boolean => line === undefined || line.trim() === '';

/** A line of quoted history: `> …` (any depth, blanks before the mark allowed). */
export const isQuoted = (line: string | undefined): boolean => line !== undefined && line.trimStart().startsWith('>');

/** A rule of dashes, underscores, equal signs or stars alone on its line (`____`, `-----`, `====`). */
export function isRuleLine(line: string | undefined, min = 3): boolean {
  const t = (line ?? '').trim();
  if (t.length < min) return false;
  const c = t[0]!;
  if (!'-_=*'.includes(c)) return false;
  for (const ch of t) if (ch !== c) return false;
  return true;
}

/** The signature delimiter `-- ` (RFC 3676; many clients drop the trailing blank). */
export const isSignatureDelimiter = (line: string | undefined): boolean => line === '-- ' || line === '--';

/** An address-looking token: something@something, no blanks. */
export const hasAddress = (text: string): boolean => /[^\s<>()[\]@]@[^\s<>()[\]@]/.test(text);

/** Something dated: a clock time (`10:15`, `18.30`) or a year. */
export const hasDateOrTime = (text: string): boolean => /\d{1,2}[:.]\d\d|\d{4}/.test(text);

export function nextNonBlank(lines: readonly string[], from: number): number {
  let i = from;
  while (i < lines.length && isBlank(lines[i])) i++;
  return i;
}

export function previousNonBlank(lines: readonly string[], from: number): number {
  let i = from;
  while (i >= 0 && isBlank(lines[i])) i--;
  return i;
}

/** Builds an alternation of literal words, longest first, blanks inside a word matching any run of blanks. */
export const alternation = (words: readonly string[]): string =>
  [...words]
    .sort((a, b) => b.length - a.length)
    .map((w) => w.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/ /g, '\\s+'))
    .join('|');
