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
  const out: string[] = [];
  const re = /\s*((?:W\/)?"[^"]*"|\*|[^,\s]+)\s*(?:,|$)/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(header)) !== null && m[0] !== '') out.push(m[1] ?? '');
  return out.filter((t) => t !== '');
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
