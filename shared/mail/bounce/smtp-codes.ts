/**
 * SMTP codes in a bounce's text: the enhanced status code (RFC 3463, `5.1.1`) and the
 * reply code (RFC 5321, `550`), found by index scans (no regex: the text is hostile).
 */

const isDigit = (c: string | undefined) => c !== undefined && c >= '0' && c <= '9';

/** Digits from `i`, at most `max` of them: how many. */
function digitsAt(s: string, i: number, max: number): number {
  let n = 0;
  while (n < max && isDigit(s[i + n])) n++;
  return n;
}

export interface CodeAt {
  code: string;
  index: number;
}

/**
 * The first enhanced status code `[245].d{1,3}.d{1,3}` standing alone (not inside an IP
 * address or a version number: no digit or dot on either side).
 */
export function findEnhancedStatus(s: string, from = 0): CodeAt | undefined {
  for (let i = s.indexOf('.', from); i >= 0; i = s.indexOf('.', i + 1)) {
    const start = i - 1;
    const cls = s[start];
    if (cls !== '2' && cls !== '4' && cls !== '5') continue;
    if (start > 0 && (isDigit(s[start - 1]) || s[start - 1] === '.')) continue;
    const subject = digitsAt(s, i + 1, 4);
    if (subject < 1 || subject > 3 || s[i + 1 + subject] !== '.') continue;
    const detailAt = i + 2 + subject;
    const detail = digitsAt(s, detailAt, 4);
    if (detail < 1 || detail > 3) continue;
    const after = s[detailAt + detail];
    if (isDigit(after) || (after === '.' && isDigit(s[detailAt + detail + 1]))) continue;
    return { code: s.slice(start, detailAt + detail), index: start };
  }
  return undefined;
}

/** The first reply code 4xx/5xx standing as a word: after the line start, a blank, `:`, `(` or `#`; before a blank, `-` or the end. */
export function findReplyCode(s: string): CodeAt | undefined {
  for (let i = 0; i + 3 <= s.length; i++) {
    const c = s[i];
    if (c !== '4' && c !== '5') continue;
    const before = s[i - 1];
    if (i > 0 && before !== ' ' && before !== '\t' && before !== ':' && before !== '(' && before !== '#' && before !== '"' && before !== "'") continue;
    if (!isDigit(s[i + 1]) || !isDigit(s[i + 2])) continue;
    const after = s[i + 3];
    if (after !== undefined && after !== ' ' && after !== '-' && after !== '\t') continue;
    return { code: s.slice(i, i + 3), index: i };
  }
  return undefined;
}

/** An enhanced status code at the start of a DSN `Status` value (`5.1.1 (bad mailbox)` → `5.1.1`). */
export function leadingStatus(value: string): string | undefined {
  const found = findEnhancedStatus(value.trim());
  return found && found.index === 0 ? found.code : undefined;
}

/** What the common RFC 3463 codes mean, for a reason when the report gives no diagnostic text. */
const meanings: Readonly<Record<string, string>> = {
  '1.0': 'address problem',
  '1.1': 'bad destination mailbox address',
  '1.2': 'bad destination system address',
  '1.3': 'bad destination mailbox address syntax',
  '1.6': 'destination mailbox has moved',
  '1.10': 'recipient address has a null MX',
  '2.0': 'mailbox problem',
  '2.1': 'mailbox disabled, not accepting messages',
  '2.2': 'mailbox full',
  '2.3': 'message length exceeds administrative limit',
  '3.4': 'message too big for system',
  '4.0': 'network or routing problem',
  '4.1': 'no answer from host',
  '4.2': 'bad connection',
  '4.4': 'unable to route',
  '4.6': 'routing loop detected',
  '4.7': 'delivery time expired',
  '5.0': 'protocol problem',
  '7.0': 'security or policy problem',
  '7.1': 'delivery not authorized, message refused',
  '7.26': 'message failed sender authentication',
};

/** What the class says when the subject and detail say nothing (`X.0.0`). */
const classMeanings: Readonly<Record<string, string>> = { '4': 'temporary failure', '5': 'permanent failure' };

/** `5.1.1` → `5.1.1 bad destination mailbox address`; the code alone when its meaning is not listed. */
export function describeStatus(status: string): string {
  const meaning = status.slice(2) === '0.0' ? classMeanings[status[0]!] : meanings[status.slice(2)];
  return meaning ? `${status} ${meaning}` : status;
}
