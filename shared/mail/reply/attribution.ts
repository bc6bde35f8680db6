import { hasAddress, hasDateOrTime, isBlank, isQuoted, nextNonBlank } from './lines';
import { attributionStarts, attributionVerbs } from './vocabulary';

/**
 * An attribution: the line a client writes above the history it quotes.
 *
 * - `On <date>, <name> wrote:` and its translations (`Am … schrieb …:`, `Le … a écrit :`,
 *   `El … escribió:`, `Il … ha scritto:`, `Op … schreef …:`, `Em … escreveu:`, `… skrev:`,
 *   `W dniu … pisze:`, `… написал(а):`, `在 … 写道：`), wrapped by Gmail over up to three lines;
 * - `<name> <address> wrote:` and `<date> <name> <address>:` (Yandex, Mail.ru, Outlook.com, Gmail
 *   in some locales write no verb at all);
 * - framed in dashes by Zoho and others: `---- On … wrote ----`;
 * - at the end of the reply's last line: `reply On … wrote:`.
 *
 * Matched with string operations on the trimmed line, not one regex with `.{4,400}`: the
 * verbs are found with `endsWith`, the start words with `startsWith`, so each line is read a
 * bounded number of times.
 */

const verbs = attributionVerbs.map((v) => v.toLowerCase()).sort((a, b) => b.length - a.length);
const starts = attributionStarts.map((w) => `${w.toLowerCase()} `);
/** Where an attribution may begin in the middle of a line: `reply On …`, `reply--- On …`. */
const inlineStarts = ['on ', 'am ', 'le ', 'el ', 'op ', 'em '];
const MAX_ATTRIBUTION = 400;

export interface Attribution {
  /** The first line of the attribution. */
  line: number;
  /** How many lines it spans. */
  span: number;
  /** Text before it on its first line (the end of the reply), if any. */
  before?: string;
}

/** The attribution starting at line `i`, if there is one. */
export function attributionAt(lines: readonly string[], i: number): Attribution | undefined {
  if (isBlank(lines[i])) return undefined;
  const quoteFollows = (end: number) => isQuoted(lines[nextNonBlank(lines, end)]);
  let joined = '';
  for (let span = 1; span <= 3 && i + span <= lines.length; span++) {
    const line = lines[i + span - 1]!;
    if (span > 1 && (isBlank(line) || isQuoted(line))) return undefined;
    // a wrapped attribution's first line carries its date; a line of the reply above it does not
    if (span === 2 && !wrappable(lines[i]!)) return undefined;
    joined = span === 1 ? line.trim() : `${joined} ${line.trim()}`;
    if (joined.length > MAX_ATTRIBUTION * 2) return undefined;
    const verdict = judge(joined, span, () => quoteFollows(i + span));
    if (verdict === true) return { line: i, span };
    if (typeof verdict === 'string') return { line: i, span, before: verdict };
  }
  return undefined;
}

/** `true` for an attribution, the text before it for one that starts inside the line, else `false`. */
function judge(text: string, span: number, quoteFollows: () => boolean): boolean | string {
  const framed = stripFrame(text);
  const lower = framed.core.toLowerCase();
  const started = framed.framed || starts.some((s) => lower.startsWith(s)) || /^\d/.test(lower);
  if (!started && span === 1) {
    const before = inline(text, quoteFollows);
    if (before) return before;
  }
  return framed.core.length <= MAX_ATTRIBUTION && isAttribution(framed.core, framed.framed, quoteFollows);
}

/** Whether a line can be the first of an attribution Gmail wrapped: it holds a digit and ends no sentence. */
function wrappable(line: string): boolean {
  const t = line.trim();
  return t.length <= 160 && hasDateOrTime(t) && !t.includes('://') && !/[.!?]$/.test(t);
}

function isAttribution(core: string, framed: boolean, quoteFollows: () => boolean): boolean {
  if (core.length < 6) return false;
  const colon = core.endsWith(':') || core.endsWith('：');
  const body = (colon ? core.slice(0, -1) : core).trimEnd();
  const lower = body.toLowerCase();
  const verb = verbs.find((v) => lower.endsWith(v) && (isCjk(v) || lower.length === v.length || /[\s)>\]]/.test(lower[lower.length - v.length - 1]!)));
  const address = hasAddress(body);
  if (verb) {
    if (lower.length === verb.length) return false;
    const started = starts.some((s) => lower.startsWith(s));
    const dated = /\d/.test(body);
    // the colon may be missing when the frame, an address or the quote below vouches for it
    const closed = colon || framed || address || quoteFollows();
    if (!closed) return false;
    if (started && dated) return true;
    // `John <john@example.com> wrote:`, `john@example.com wrote`: the address is the writer, right before the verb
    // (not "I mailed bob@example.com and he wrote:")
    if (address && hasAddress(lastToken(body.slice(0, body.length - verb.length)))) return true;
    // `Name wrote:` right above quoted lines
    return colon && body.length <= 120 && quoteFollows();
  }
  // `Am … schrieb Support:`, `Op … schreef Support <s@example.com>:`: the name after the verb
  if (colon && starts.some((s) => lower.startsWith(s)) && /\d/.test(body)) {
    const tail = lower.slice(-160);
    if (verbs.some((v) => tail.includes(` ${v} `))) return true;
  }
  // no verb: `30.09.2017, 18.30, "John" <john@example.com>:` or `2011/4/7 Nathan <support@example.com>` above a quote
  if (!address || !hasDateOrTime(body)) return false;
  const endsWithAddress = /[>)\]]$/.test(body) || hasAddress(body.slice(body.lastIndexOf(' ') + 1));
  return endsWithAddress && (colon || quoteFollows());
}

/** `reply On Wed, Apr 4, 2012 at 3:59 PM, bob@example.com wrote:` → `reply`. */
function inline(text: string, quoteFollows: () => boolean): string | false {
  const lower = text.toLowerCase();
  if (!lower.endsWith(':') && !lower.endsWith('：')) return false;
  const candidates = inlineStarts.flatMap((s) => [lower.lastIndexOf(` ${s}`), lower.lastIndexOf(`-${s}`)]).filter((at) => at > 0 && text.length - at <= MAX_ATTRIBUTION);
  for (const at of candidates.sort((a, b) => a - b)) {
    const core = text.slice(at + 1);
    // the part from the start word on must be a whole attribution: dated, with its verb
    if (!/\d/.test(core) || !verbs.some((v) => core.toLowerCase().includes(v))) continue;
    if (isAttribution(core, false, quoteFollows)) return withoutTrailingDashes(text.slice(0, at + 1));
  }
  return false;
}

/** `reply---` → `reply`, read back from the end (a regex `[-\s]+$` restarts at every blank of a run). */
function withoutTrailingDashes(text: string): string {
  let end = text.length;
  while (end > 0 && (text[end - 1] === '-' || /\s/.test(text[end - 1]!))) end--;
  return text.slice(0, end);
}

/** The last blank-separated word of a text. */
function lastToken(text: string): string {
  const t = text.trimEnd();
  let start = t.length;
  while (start > 0 && !/\s/.test(t[start - 1]!)) start--;
  return t.slice(start);
}

/** Takes off the dashes or equal signs some clients frame an attribution with. */
function stripFrame(text: string): { core: string; framed: boolean } {
  let a = 0;
  let b = text.length;
  while (a < b && '-=_*'.includes(text[a]!)) a++;
  while (b > a && '-=_*'.includes(text[b - 1]!)) b--;
  return { core: text.slice(a, b).trim(), framed: a > 0 && b < text.length };
}

const isCjk = (s: string) => /[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]/.test(s);
