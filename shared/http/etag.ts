import type { HttpRequest } from '@azure/functions';
import { PreconditionFailedError } from '../store/errors';

/**
 * Optimistic concurrency over HTTP. Reads and writes answer with the document's ETag;
 * a client that sends it back in `If-Match` gets 412 instead of overwriting a change it
 * has not seen. `If-Match` is optional; `*` matches any existing document.
 */
export function ifMatchOf(request: HttpRequest): string[] | undefined {
  const raw = request.headers.get('if-match');
  if (raw === null || raw.trim() === '') return undefined;
  return splitEtags(raw);
}

/** Splits a header list of entity tags, keeping their quotes (commas may occur inside quotes). */
export function splitEtags(header: string): string[] {
  // One pass over the header: a tokenizing regex run with /g restarted at every position
  // of a long unmatched run, quadratic in it.
  const out: string[] = [];
  let i = 0;
  while (i < header.length) {
    const c = header[i]!;
    if (c === ',' || c === ' ' || c === '\t') {
      i++;
      continue;
    }
    const quote = header.startsWith('W/"', i) ? i + 2 : c === '"' ? i : -1;
    if (quote >= 0) {
      const close = header.indexOf('"', quote + 1);
      const end = close < 0 ? header.length : close + 1;
      out.push(header.slice(i, end));
      i = end;
      continue;
    }
    let end = i;
    while (end < header.length && header[end] !== ',' && header[end] !== ' ' && header[end] !== '\t') end++;
    out.push(header.slice(i, end));
    i = end;
  }
  return out;
}

/** True when the current ETag satisfies the `If-Match` list (strong comparison; a bare value is compared quoted too). */
export function etagMatches(current: string, ifMatch: readonly string[] | undefined): boolean {
  if (!ifMatch) return true;
  const norm = (t: string) => (t.startsWith('"') ? t : `"${t}"`);
  return ifMatch.some((t) => t === '*' || norm(t) === norm(current));
}

/** Throws 412 when the client's If-Match does not match the stored ETag. */
export function assertIfMatch(kind: string, id: string, current: string, ifMatch: readonly string[] | undefined): void {
  if (!etagMatches(current, ifMatch)) throw new PreconditionFailedError(kind, id);
}
