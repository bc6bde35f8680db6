import type { HeaderLines, Headers, HeaderValue } from 'mailparser';

// Header blocks and header values as ParsedMail carries them: the lower-cased header
// record, Message-IDs without brackets, ISO dates, clean subjects.

/**
 * The top-level header block as plain strings: `ParsedMail.headers`.
 *
 * Names are lower-cased; a repeated header is joined with "\n" in the order it
 * appeared. Unstructured values (Subject, X-…, Auto-Submitted, …) and the display
 * address headers (From, To, Cc, Reply-To, Sender) come from mailparser, so RFC 2047
 * encoded words are decoded; the rest (Return-Path, dates, Content-Type, List-*) keep
 * their raw text, unfolded — the envelope's `<>` must stay visible.
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
    const decoded = decodedStrings(parsed.get(name), displayAddressHeaders.has(name));
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

const displayAddressHeaders = new Set(['from', 'to', 'cc', 'bcc', 'reply-to', 'sender']);

function decodedStrings(value: HeaderValue | undefined, isDisplayAddress: boolean): string[] | undefined {
  const one = (v: unknown): string | undefined => {
    if (typeof v === 'string') return v.trim();
    if (isDisplayAddress && v && typeof v === 'object' && 'text' in v && typeof v.text === 'string') return v.text.trim();
    return undefined;
  };
  const list = Array.isArray(value) ? value.map(one) : [one(value)];
  return list.every((v): v is string => v !== undefined) && list.length > 0 ? list : undefined;
}

/** Line breaks inside a decoded subject (`=?UTF-8?B?DQo…?=`) are not part of it. */
export function cleanSubject(subject: string): string {
  return subject.replace(/[\r\n]+/g, '').replace(/\t/g, ' ');
}

/** Every `<id>` in a header, brackets removed; a bare id when there are no brackets. */
export function messageIds(value: string): string[] {
  const bracketed = [...value.matchAll(/<([^<>\s]+)>/g)].map((m) => m[1]!);
  if (bracketed.length) return bracketed;
  return value.split(/[\s,]+/).filter(Boolean);
}

/**
 * A Message-ID without its angle brackets (`<<id>>` too) and surrounding blanks. Index
 * scans, not /^<+/ and />+$/: the latter restarts at every `>` of a run that does not end the id.
 */
export function withoutAngleBrackets(id: string): string {
  const trimmed = id.trim();
  let start = 0;
  let end = trimmed.length;
  while (start < end && trimmed[start] === '<') start++;
  while (end > start && trimmed[end - 1] === '>') end--;
  return trimmed.slice(start, end);
}

export function firstMessageId(value: string | undefined): string | undefined {
  return value ? messageIds(value)[0] : undefined;
}

/** ISO 8601 from an RFC 5322 date, comments and obsolete zone names tolerated. */
export function isoDate(value: string | undefined): string | undefined {
  if (!value) return undefined;
  const cleaned = withoutComments(value)
    .replace(/\b(UT|GMT|Z)\s*$/i, '+0000')
    .replace(/\s+/g, ' ')
    .trim();
  let t = Date.parse(cleaned);
  // A header run into the next one ("… +0200Received: from …") still starts with a date.
  if (Number.isNaN(t)) t = Date.parse(/^.*?\d{1,2}:\d{2}(?::\d{2})?\s*[+-]\d{4}/.exec(cleaned)?.[0] ?? '');
  if (Number.isNaN(t)) return undefined;
  const year = new Date(t).getUTCFullYear();
  return year >= 1970 && year <= 9999 ? new Date(t).toISOString() : undefined;
}

/** Each `(…)` (up to the first `)`) replaced by a blank; /\([^)]*\)/g rescans from every `(` of an unclosed run. */
function withoutComments(value: string): string {
  let out = '';
  let from = 0;
  for (;;) {
    const open = value.indexOf('(', from);
    const close = open < 0 ? -1 : value.indexOf(')', open + 1);
    if (close < 0) return out + value.slice(from);
    out += `${value.slice(from, open)} `;
    from = close + 1;
  }
}
