import { isBlank, isSignatureDelimiter } from './lines';
import { mobileSignatures } from './vocabulary';

/**
 * Signatures that end the new text: the `-- ` delimiter (RFC 3676), and the lines mobile and
 * webmail clients add (`Sent from my iPhone`, `Von meinem iPhone gesendet`, `Envoyé de mon
 * iPhone`, `Get Outlook for iOS`, `Sent from Yahoo Mail on Android`, …).
 *
 * A client signature is recognised only as a short line of its own (links to the client
 * taken off), followed by a blank line, the end, or quoted history: a sentence of the
 * customer's that happens to start with "Sent from" goes on on its line or the next.
 */

const MAX_SIGNATURE_WORDS = 10;

/** The client signature line's text without the links clients append (`<https://aka.ms/…>`, `(http://…)`). */
function withoutLinks(line: string): string {
  let out = '';
  let depth = 0;
  for (const c of line) {
    if (c === '<' || c === '(') depth++;
    else if ((c === '>' || c === ')') && depth > 0) depth--;
    else if (depth === 0) out += c;
  }
  return out.replace(/https?:\/\/\S+/g, '').trim();
}

export function isClientSignature(lines: readonly string[], i: number, historyStartsAt: (i: number) => boolean): boolean {
  const line = lines[i]!;
  if (line.length > 300) return false;
  const start = line.trimStart().slice(0, 40).toLowerCase();
  if (!mobileSignatures.some((s) => start.startsWith(s) || s.startsWith(start))) return false; // cheap first look: most lines stop here
  const text = withoutLinks(line).toLowerCase();
  if (!text || text.split(/\s+/).length > MAX_SIGNATURE_WORDS) return false;
  if (!mobileSignatures.some((s) => text.startsWith(s))) return false;
  const next = i + 1;
  return next >= lines.length || isBlank(lines[next]) || historyStartsAt(next);
}

export const isDelimiter = (lines: readonly string[], i: number): boolean => isSignatureDelimiter(lines[i]);
