import { boundedLines, oneLine, withoutIndent } from './lines';
import { findEnhancedStatus, findReplyCode } from './smtp-codes';
import { addressesIn } from './text-addresses';
import type { WorkMeter } from './work-meter';

/**
 * What a bounce says in its text, for the many that carry no delivery-status part (qmail,
 * Exim, GMX, Domino, IMail, Exchange 2003, carriers) and for the reason of those that do:
 * the Message-IDs of the original's quoted headers, the failed recipient and the server's
 * words. Line by line and with indexOf; every input is cut to a fixed size first.
 */

/** Lines of the body read at most: the quoted original comes within a few hundred lines. */
const MAX_TEXT_LINES = 4000;
const MAX_LINE = 1000;
/** The report above the quoted original: a few dozen lines in every bounce seen. */
const MAX_REPORT_LINES = 200;
/** Lines after the recipient in which its diagnostic is looked for (Gmail writes it ~8 lines on). */
const DIAGNOSTIC_WINDOW = 20;
const MAX_CONTINUATION_LINES = 3;

/** Header fields that only the quoted original has: where the report ends. */
const originalHeaderNames = ['received:', 'return-path:', 'message-id:', 'delivered-to:', 'mime-version:', 'dkim-signature:', 'x-received:', 'authentication-results:', 'content-type:'];
/** Separators bounces write above the quoted original (lower-cased). */
const originalSeparators = [
  'copy of the message',
  'original message follows',
  'header of the original message',
  'original message headers',
  '----- original message',
  'below this line is a copy',
  'undelivered message headers',
  'unsent message follows',
  '- returned message -',
];

/**
 * Phrases that stand before the failed address (lower-cased): the first one found starts the
 * search for it, so a sender's address written above ("MAIL FROM: …", "Your message To: …")
 * is passed over.
 */
const recipientAnchors = [
  'following address',
  'following recipient',
  'was not delivered to',
  'could not be delivered to',
  'did not reach',
  'failed to these recipients',
  'delivery to the following',
  'undeliverable to',
  'rcpt to',
  'unknown user',
  'user unknown',
  'your message to',
  'recipient:',
];

/** Words of a delay warning (lower-cased), as opposed to a failure: the mail may still arrive. */
const delayPhrases = [
  'this is a warning message only',
  'has been delayed',
  'have been delayed',
  'delivery delayed',
  'delivery is delayed',
  'will continue trying',
  'will continue to try',
  'will retry',
  'still being retried',
  'not yet been delivered',
  '(delay)',
  'message delayed',
  'warning: message', // Exim: "Warning: message 1A2B delayed 24 hours"
  'could not send message for past', // Sendmail
  'delayed mail',
  'vorübergehendes problem',
  'zustellung verzögert',
];

/** A failed address with what the text says about it. */
export interface TextFailure {
  address: string;
  status?: string;
  diagnostic?: string;
}

export interface TextReport {
  /** `Message-ID` lines of the quoted original (brackets removed), in order. */
  quotedMessageIds: string[];
  /** The failed address the text names first, with the first status code of the report and the server's words. */
  recipient?: string;
  status?: string;
  diagnostic?: string;
  /** The addresses the caller named (Exim's X-Failed-Recipients), each with its own words, in that order. */
  named: TextFailure[];
  /** The text reads like a delay warning, not a failure. */
  delayed: boolean;
}

/** Named addresses whose words are looked for (each costs a pass over the report). */
export const MAX_NAMED_DIAGNOSED = 5;

export function readTextReport(
  text: string,
  subject: string,
  meter: WorkMeter,
  limits: { maxIds: number; maxDiagnostic: number },
  named: readonly string[] = [],
): TextReport {
  const lines = boundedLines(text, MAX_TEXT_LINES, MAX_LINE, meter);
  const report = new ReportLines(lines.slice(0, endOfReport(lines, meter)), meter);
  const address = report.failedAddress();
  const statusAt = findEnhancedStatus(report.joined);
  const status = statusAt && statusAt.code[0] !== '2' ? statusAt.code : undefined;
  const diagnostic = address ? report.wordsAbout(address.address, report.lineOf(address.index), []) : report.wordsAbout(undefined, 0, []);

  const namedLines = named.slice(0, MAX_NAMED_DIAGNOSED).map((a) => report.lineOfAddress(a));
  const failures = named.map((a, i): TextFailure => {
    const line = namedLines[i];
    const words = line === undefined ? undefined : report.wordsAbout(a, line, namedLines);
    const own = words ? findEnhancedStatus(words) : undefined;
    return { address: a, ...(own && own.code[0] !== '2' ? { status: own.code } : {}), ...(words ? { diagnostic: oneLine(words, limits.maxDiagnostic) } : {}) };
  });

  const opening = `${subject.slice(0, 300)}\n${lines.slice(0, Math.min(20, report.lines.length)).join('\n')}`.toLowerCase();
  meter.chars += opening.length * delayPhrases.length;
  const delayed = !opening.includes('permanent') && delayPhrases.some((p) => opening.includes(p));
  const said = diagnostic ? oneLine(diagnostic, limits.maxDiagnostic) : undefined;
  return {
    quotedMessageIds: quotedMessageIds(lines, limits.maxIds),
    ...(address ? { recipient: address.address } : {}),
    ...(status ? { status } : {}),
    ...(said ? { diagnostic: said } : {}),
    named: failures,
    delayed,
  };
}

/** The index of the first line of the quoted original (or of its separator); the end of the report. */
function endOfReport(lines: readonly string[], meter: WorkMeter): number {
  const last = Math.min(lines.length, MAX_REPORT_LINES);
  for (let i = 0; i < last; i++) {
    const line = withoutIndent(lines[i]!).slice(0, 200).toLowerCase();
    meter.chars += line.length * (originalHeaderNames.length + originalSeparators.length);
    if (originalHeaderNames.some((h) => line.startsWith(h)) || originalSeparators.some((s) => line.includes(s))) return i;
  }
  return last;
}

/** The report above the quoted original: its lines, and them joined (as written, and lower-cased) for searches. */
class ReportLines {
  readonly joined: string;
  private readonly lower: string;
  /** Where each line starts in `joined`. */
  private readonly starts: number[] = [];

  constructor(
    readonly lines: readonly string[],
    private readonly meter: WorkMeter,
  ) {
    this.joined = lines.join('\n');
    this.lower = this.joined.toLowerCase();
    let at = 0;
    for (const line of lines) {
      this.starts.push(at);
      at += line.length + 1;
    }
    meter.chars += 2 * this.joined.length;
  }

  /** The failed address: the first after a recipient phrase, else the first at all. */
  failedAddress() {
    this.meter.chars += this.lower.length * recipientAnchors.length;
    const anchors = recipientAnchors.map((a) => this.lower.indexOf(a)).filter((i) => i >= 0);
    const from = anchors.length ? Math.min(...anchors) : 0;
    return addressesIn(this.joined, this.meter, 1, from)[0] ?? (from > 0 ? addressesIn(this.joined, this.meter, 1)[0] : undefined);
  }

  /** The line an offset of `joined` falls in (binary search). */
  lineOf(offset: number): number {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  lineOfAddress(address: string): number | undefined {
    this.meter.chars += this.lower.length;
    const at = this.lower.indexOf(address.toLowerCase());
    return at < 0 ? undefined : this.lineOf(at);
  }

  /**
   * The server's words about the address on line `first`: the first line from there with an
   * SMTP code, from that code on, with the lines that continue it (Postfix folds deeper,
   * Exim breaks after a colon); else the line itself when a label stands before the address
   * (IMail's `Unknown user: x@y`), else the first line after it that is neither a label nor
   * an address. The search stops at the line of another of `others`.
   */
  wordsAbout(address: string | undefined, first: number, others: readonly (number | undefined)[]): string | undefined {
    const stop = Math.min(first + DIAGNOSTIC_WINDOW, ...others.filter((l): l is number => l !== undefined && l > first));
    const window = this.lines.slice(first, stop);
    for (let i = 0; i < window.length; i++) {
      const line = window[i]!;
      const code = earliestCode(line);
      if (code === undefined) continue;
      let words = line.slice(code);
      const indent = indentOf(line);
      for (let j = i + 1; j < window.length && j <= i + MAX_CONTINUATION_LINES && continues(window[j]!, indent, words); j++) words += ` ${window[j]}`;
      return words;
    }
    if (!address) return undefined;
    return labelledAddressLine(window[0] ?? '', address) ?? window.slice(1).map((l) => l.trim()).find((l) => l && !l.endsWith(':') && !isOnlyAddress(l, this.meter));
  }
}

/** Where the line's SMTP code starts: the reply code (`550`), or the enhanced status (`5.1.1`) when there is none before it. */
function earliestCode(line: string): number | undefined {
  const reply = findReplyCode(line);
  const enhanced = findEnhancedStatus(line);
  const found = [reply?.index, enhanced && enhanced.code[0] !== '2' ? enhanced.index : undefined].filter((i): i is number => i !== undefined);
  return found.length ? Math.min(...found) : undefined;
}

/**
 * Whether a line continues the diagnostic before it: indented deeper (Postfix folds so), or
 * as deep when the words so far end with a colon (Exim breaks after `<address>:`).
 */
function continues(line: string, indent: number, words: string): boolean {
  if (!line.trim()) return false;
  const depth = indentOf(line);
  return depth > indent || (depth === indent && depth > 0 && words.trimEnd().endsWith(':'));
}

function indentOf(line: string): number {
  let i = 0;
  while (i < line.length && (line[i] === ' ' || line[i] === '\t')) i++;
  return i;
}

/** `Unknown user: x@y.org` (IMail): the words before the address are the reason. */
function labelledAddressLine(line: string, address: string): string | undefined {
  const trimmed = line.trim();
  const at = trimmed.toLowerCase().lastIndexOf(address.toLowerCase());
  if (at < 0 || trimmed.length - at - address.length > 1) return undefined;
  const label = trimmed.slice(0, at).trim();
  return label.endsWith(':') && label.length > 3 ? trimmed : undefined;
}

function isOnlyAddress(line: string, meter: WorkMeter): boolean {
  const found = addressesIn(line, meter, 1)[0];
  return found !== undefined && line.length - found.address.length <= 4;
}

/**
 * `Message-ID:` lines of quoted headers, with the id on the same line or the next (folded):
 * Exim, qmail, GMX and IMail copy the original's headers into the text, Exchange lists
 * them under "Original message headers".
 */
function quotedMessageIds(lines: readonly string[], max: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < lines.length && out.length < max; i++) {
    const line = withoutIndent(lines[i]!);
    if (line.length < 11 || line.slice(0, 11).toLowerCase() !== 'message-id:') continue;
    const value = line.slice(11).trim() || (lines[i + 1] ?? '').trim();
    const id = idIn(value);
    if (id) out.push(id);
  }
  return out;
}

/** The first `<id>` of a value (or the bare value when it has no brackets), when it has an `@`. */
export function idIn(value: string): string | undefined {
  const open = value.indexOf('<');
  const close = open >= 0 ? value.indexOf('>', open + 1) : -1;
  const id = open >= 0 && close > open ? value.slice(open + 1, close).trim() : open < 0 ? value.trim().split(' ')[0]! : '';
  return id.includes('@') && !id.includes(' ') && id.length <= 998 ? id : undefined;
}
