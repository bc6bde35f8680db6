import { alternation, hasAddress, hasDateOrTime, isBlank } from './lines';
import { headerFields, type HeaderRole } from './vocabulary';

/**
 * A quoted header block: Outlook's `From: / Sent: / To: / Subject:` (localized: `De : /
 * Envoyé : / À : / Objet :`, `Van: / Verzonden: / Aan: / Onderwerp:`, `Od: / Wysłano: / Do:
 * / Temat:` …), the `Date: / From: / To:` of webmail forwards, with `*bold*` markers or `>`
 * marks before the names, a long `From:` wrapped onto a second line, and two fields run
 * together on one line.
 */

const roles = Object.keys(headerFields) as HeaderRole[];
// One regex per role. The name must be followed by its colon (ASCII or full-width); what follows is the value.
const fieldRes = roles.map((role) => [role, new RegExp(`^[\\s*>]*(?:${alternation(headerFields[role])})(?:\\s*\\*)?\\s*[:：]\\*?`, 'i')] as const);

export interface HeaderField {
  role: HeaderRole;
  value: string;
}

/** The header field a line holds, if it is one. */
export function headerFieldAt(line: string): HeaderField | undefined {
  if (line.length > 2000) return undefined;
  for (const [role, re] of fieldRes) {
    const m = re.exec(line);
    if (m) return { role, value: line.slice(m[0].length).trim() };
  }
  return undefined;
}

/** A `From:` value that goes on on the next line: no address yet, or an open `<` / `[mailto:`. */
const continues = (f: HeaderField) => f.role === 'from' && (!hasAddress(f.value) || /[<[(:]$/.test(f.value));

/**
 * Whether a header block starts at line `i`, and so where the quoted history starts.
 * Three roles (from, date, to, subject, cc) are enough; two when one of them is a dated
 * `Sent:`/`Date:` (a bare `From:` and `Subject:` could be the customer's own words), or when
 * the HTML carries a client's quote markup.
 */
export function isHeaderBlock(lines: readonly string[], i: number, quoteMarkupInHtml: boolean): boolean {
  const first = headerFieldAt(lines[i]!);
  if (!first || (first.role !== 'from' && first.role !== 'date' && first.role !== 'subject')) return false;
  const seen = new Set<HeaderRole>([first.role]);
  let dated = first.role === 'date' && hasDateOrTime(first.value);
  let previous = first;
  for (let j = i + 1, spare = 1; j < lines.length && j <= i + 12; j++) {
    const line = lines[j]!;
    if (isBlank(line)) break;
    const field = headerFieldAt(line);
    if (!field) {
      // a wrapped value: the second line of a long From, or one more line of a long To or Subject
      if (spare > 0 && (continues(previous) || previous.role === 'to' || previous.role === 'cc' || previous.role === 'subject')) {
        spare--;
        continue;
      }
      break;
    }
    seen.add(field.role);
    if (field.role === 'date' && hasDateOrTime(field.value)) dated = true;
    previous = field;
  }
  if (seen.size >= 3) return true;
  if (seen.size === 2) return dated || (quoteMarkupInHtml && seen.has('from'));
  return false;
}
