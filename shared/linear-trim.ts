/**
 * Trimming runs of one character from a string's ends, in one pass. A regex such as
 * `/-+$/` restarts at every character of a run that is not at the end: quadratic in the
 * run (see test/shared/regex-safety.test.ts, which keeps such regexes out of `shared/`).
 */
export function trimEndOf(text: string, char: string): string {
  let end = text.length;
  while (end > 0 && text[end - 1] === char) end--;
  return end === text.length ? text : text.slice(0, end);
}

export function trimOf(text: string, char: string): string {
  let start = 0;
  while (start < text.length && text[start] === char) start++;
  return trimEndOf(text.slice(start), char);
}
