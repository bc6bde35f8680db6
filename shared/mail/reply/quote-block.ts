import { isBlank, isQuoted } from './lines';

/**
 * The extent of a `>`-quoted block, for telling a bottom-posted reply (new text below the
 * quote: Thunderbird, German business mail) and interleaved answers from history.
 */

/**
 * A line inside a quote that lost its `>` when a client wrapped a long line: only a link
 * (`(http://…) >`) or a single token with URL characters (`_nonce=3dd518)`).
 */
function isWrappedQuoteLine(line: string): boolean {
  const t = line.trim();
  const withoutUrls = t.replace(/\(?<?https?:\/\/\S+/g, '');
  if (!/\p{L}/u.test(withoutUrls)) return true;
  return !/\s/.test(t) && /[=/_?&%]/.test(t);
}

/** The index just after the quoted block that starts at or after `from` (blank lines inside it included). */
export function quoteBlockEnd(lines: readonly string[], from: number): number {
  let i = from;
  let lastQuoted = -1;
  while (i < lines.length) {
    const line = lines[i]!;
    if (isQuoted(line)) lastQuoted = i;
    else if (!isBlank(line)) {
      const sandwiched = lastQuoted >= 0 && isQuoted(lines[i + 1]) && isWrappedQuoteLine(line);
      if (!sandwiched) break;
    }
    i++;
  }
  return lastQuoted < 0 ? from : lastQuoted + 1;
}
