import type { FieldValue } from './template';

/**
 * Cosmos DB refuses items over 2 MB, and a mail body can be bigger than that. Refusing
 * the ticket would fail the mail over and over, so the stored text is shortened instead
 * (the raw MIME stays in blob storage, so nothing is lost): first the HTML copy goes,
 * then very long field values are capped, then the text is cut. Each step marks the
 * result `truncated`. Pure.
 */
export const MAX_ITEM_BYTES = 1_900_000;
const FIELD_CAP_CHARS = 32_000;
export const TRUNCATION_NOTICE = '\n\n[shortened: the full message is kept with the original mail]';

interface Shrinkable {
  text: string;
  html?: string;
  truncated?: boolean;
  fields?: Record<string, FieldValue>;
}

const bytes = (v: unknown) => Buffer.byteLength(JSON.stringify(v), 'utf8');

/**
 * Returns `doc` unchanged when it fits, else a shortened copy. `get`/`set` address the
 * text part inside the document (a ticket's description, or a note itself).
 */
export function fitToItemLimit<T extends object>(doc: T, get: (d: T) => Shrinkable, set: (d: T, s: Shrinkable) => T, limit = MAX_ITEM_BYTES): T {
  if (bytes(doc) <= limit) return doc;
  let cur = doc;
  const part = get(cur);
  if (part.html !== undefined) {
    const { html: _dropped, ...rest } = part;
    cur = set(cur, { ...rest, truncated: true });
    if (bytes(cur) <= limit) return cur;
  }
  const fields = get(cur).fields;
  if (fields) {
    const capped = Object.fromEntries(
      Object.entries(fields).map(([k, v]) => [k, typeof v === 'string' && v.length > FIELD_CAP_CHARS ? v.slice(0, FIELD_CAP_CHARS) : v]),
    );
    cur = set(cur, { ...get(cur), fields: capped, truncated: true });
    if (bytes(cur) <= limit) return cur;
  }
  // Longest prefix of the text that fits (binary search; JSON escaping makes bytes per character vary).
  const text = get(cur).text;
  const withText = (n: number) => set(cur, { ...get(cur), text: text.slice(0, n) + TRUNCATION_NOTICE, truncated: true });
  let lo = 0;
  let hi = text.length;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (bytes(withText(mid)) <= limit) lo = mid;
    else hi = mid - 1;
  }
  // Never split a surrogate pair.
  if (lo > 0 && /[\uD800-\uDBFF]/.test(text.charAt(lo - 1))) lo -= 1;
  return withText(lo);
}
