import type { WorkMeter } from './work-meter';

/**
 * The lines of a text (CRLF or LF), at most `maxLines`, each cut to `maxLineChars`: one
 * pass with indexOf, the meter charged for every character walked over.
 */
export function boundedLines(text: string, maxLines: number, maxLineChars: number, meter: WorkMeter): string[] {
  const out: string[] = [];
  let start = 0;
  while (start <= text.length && out.length < maxLines) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    meter.chars += end - start + 1;
    const stop = end > start && text[end - 1] === '\r' ? end - 1 : end;
    out.push(text.slice(start, Math.min(stop, start + maxLineChars)));
    start = end + 1;
  }
  return out;
}

/** Blanks (space, tab) and quote marks (`>`) before a line's text: how bounces indent quoted headers. */
export function withoutIndent(line: string): string {
  let i = 0;
  while (i < line.length && (line[i] === ' ' || line[i] === '\t' || line[i] === '>')) i++;
  return i ? line.slice(i) : line;
}

/** Runs of whitespace folded to one space, ends trimmed: a reason fit for one line of a ticket. */
export function oneLine(text: string, max: number): string {
  let out = '';
  let blank = false;
  for (let i = 0; i < text.length && out.length < max; i++) {
    const c = text[i]!;
    if (c === ' ' || c === '\t' || c === '\r' || c === '\n') blank = out.length > 0;
    else {
      if (blank) out += ' ';
      blank = false;
      out += c;
    }
  }
  return out.length > max ? out.slice(0, max) : out;
}
