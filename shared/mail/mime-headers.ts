import type { HeaderLines, Headers, HeaderValue } from 'mailparser';

/**
 * The top-level header block as plain strings: `ParsedMail.headers`.
 *
 * Names are lower-cased; a repeated header is joined with "\n" in the order it
 * appeared. Unstructured values (Subject, X-…, Auto-Submitted, …) come from mailparser,
 * so RFC 2047 encoded words are already decoded; structured ones (addresses, dates,
 * Content-Type, List-*) keep their raw text, unfolded, because that is what an admin
 * and a header-matching rule expect to see.
 */
export function headerRecord(lines: HeaderLines, parsed: Headers): Record<string, string> {
  const raw = new Map<string, string[]>();
  for (const { key, line } of lines) {
    const name = key.toLowerCase();
    const colon = line.indexOf(':');
    const value = unfold(colon >= 0 ? line.slice(colon + 1) : '');
    raw.set(name, [...(raw.get(name) ?? []), value]);
  }

  const out: Record<string, string> = {};
  for (const [name, values] of raw) {
    const decoded = decodedStrings(parsed.get(name));
    // Use mailparser's decoded text only when it lines up with the raw occurrences;
    // for headers it keeps once (Subject, Message-ID) that is the first occurrence.
    const useDecoded = decoded !== undefined && (decoded.length === values.length || decoded.length === 1);
    const chosen = useDecoded && decoded.length === values.length ? decoded : useDecoded ? [decoded[0]!, ...values.slice(1)] : values;
    out[name] = chosen.join('\n');
  }
  return out;
}

/** Folded header lines become one line; surrounding blanks go. */
export function unfold(value: string): string {
  return value.replace(/\r?\n[ \t]+/g, ' ').replace(/\r?\n/g, ' ').trim();
}

function decodedStrings(value: HeaderValue | undefined): string[] | undefined {
  if (typeof value === 'string') return [value.trim()];
  if (Array.isArray(value) && value.every((v): v is string => typeof v === 'string')) return value.map((v) => v.trim());
  return undefined;
}
