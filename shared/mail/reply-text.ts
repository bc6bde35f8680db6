import { htmlFallbackText, normalizeText } from './body-text';
import { attributionAt } from './reply/attribution';
import { isHeaderBlock } from './reply/header-block';
import { isQuoted, isRuleLine, isSignatureDelimiter, nextNonBlank } from './reply/lines';
import { quoteBlockEnd } from './reply/quote-block';
import { isSeparator, ruleAbove } from './reply/separator';
import { htmlBeforeLine, htmlWithoutHistory } from './reply/html-quote';
import { isClientSignature, isDelimiter } from './reply/signature';
import { sanitizeMailHtml } from './sanitize-html';

/**
 * The new text of a reply: what the person wrote, without the history they quoted or
 * the signature.
 *
 * The lines are read once from the top; the first line where history or a signature
 * starts is the cut (rules in `reply/`: separators, header blocks, attributions, `>`
 * quotes, signatures). What happens below it depends on the kind of cut:
 * - a separator, a header block, a signature: everything below is history (Outlook and
 *   webmail clients quote without `>` marks, so nothing below can be told apart);
 * - an attribution or a `>` quote: the quoted block ends at the last `>` line. Text below
 *   it is kept — a bottom-posted reply (Thunderbird, German business mail) or the end of a
 *   reply wrapped around the quote — unless it is a list footer or a signature. When more
 *   quoted blocks follow, the answers are interleaved with the quotes and the text is kept
 *   whole.
 *
 * Conservative by design: a result that would be empty falls back to the full text — a
 * note with too much text is a nuisance, a note with nothing in it loses the customer's words.
 */

interface Context {
  quoteMarkupInHtml: boolean;
}

type Cut =
  | { kind: 'history' | 'signature'; line: number; before?: undefined }
  | { kind: 'quote'; line: number; span: number; before?: string };

/** Quote containers of the common clients' HTML. */
// `[^<>]*` (not `[^>]+`) inside the blockquote tag: a scan ends at the next tag, so the HTML is read once.
const quoteMarkupRe = /class=["']?(?:gmail_quote|yahoo_quoted|moz-cite-prefix)|id=["']?(?:divRplyFwdMsg|appendonsend|x_divRplyFwdMsg)|<blockquote[^<>]*\btype=["']?cite|name=["']?quote/i;

/**
 * Returns the new text of a reply, quoted history and signature removed; the whole text
 * (trimmed) when nothing is recognised or the cut would leave nothing.
 */
export function extractReplyText(text: string, html?: string): string {
  const normalized = text.replace(/\r\n?/g, '\n');
  const lines = normalized.split('\n');
  const ctx: Context = { quoteMarkupInHtml: !!html && quoteMarkupRe.test(html) };
  const kept = newText(lines, ctx);
  if (kept === lines && html) {
    // Nothing recognised in the text: the HTML's quote markup may still show where history starts.
    // Only when the text says what the HTML says (an HTML-only mail, or a faithful text part):
    // a text part that differs from its HTML is cut by its own lines alone.
    const fromHtml = textOfHtmlReply(html);
    if (fromHtml && fromHtml.length < normalized.length && startsAlike(normalized, fromHtml)) return extractReplyText(fromHtml);
  }
  const reply = (kept === 'whole' ? lines : kept).join('\n').trim();
  return reply || normalized.trim();
}

/**
 * The reply's own HTML, sanitized: cut at the quote containers and history markers of the
 * common clients (`reply/html-quote.ts`), a bottom-posted answer kept. The whole HTML
 * (sanitized; pass it as `sanitizedWhole` when it is at hand) when the markup shows no
 * history or the cut would leave no text. With the mail's `text`, HTML without quote markup
 * is cut where the text's history starts, when everything below that line is history.
 */
export function extractReplyHtml(html: string, sanitizedWhole?: string, text?: string): string {
  const cut = htmlWithoutHistory(html) ?? (text === undefined ? undefined : htmlAboveTextHistory(html, text));
  const whole = () => sanitizedWhole ?? sanitizeMailHtml(html);
  if (cut === undefined) return whole();
  const sanitized = sanitizeMailHtml(cut);
  return normalizeText(htmlFallbackText(sanitized, [])) ? sanitized : whole();
}

/** The HTML above the line where the text's history starts (a separator, header block, attribution or signature with nothing kept below it). */
function htmlAboveTextHistory(html: string, text: string): string | undefined {
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  const ctx: Context = { quoteMarkupInHtml: false };
  const cut = firstCut(lines, ctx);
  if (!cut || cut.before !== undefined) return undefined;
  if (cut.kind === 'quote') {
    const kept = newText(lines, ctx);
    if (kept === 'whole' || kept.length > cut.line) return undefined; // text is kept below the quote
  }
  let at = cut.line;
  while (at < lines.length && (lines[at]!.trim() === '' || isRuleLine(lines[at], 4))) at++;
  return at < lines.length ? htmlBeforeLine(html, lines[at]!) : undefined;
}

function textOfHtmlReply(html: string): string | undefined {
  const cut = htmlWithoutHistory(html);
  if (cut === undefined) return undefined;
  return normalizeText(htmlFallbackText(cut, [])).replace(/\n{3,}/g, '\n\n') || undefined;
}

/** The lines of new text, or `'whole'` when answers are interleaved with quotes. */
function newText(lines: readonly string[], ctx: Context): readonly string[] | 'whole' {
  const cut = firstCut(lines, ctx);
  if (!cut) return lines;
  const top = lines.slice(0, cut.line);
  if (cut.before) top.push(cut.before);
  if (cut.kind !== 'quote') return top;

  const quoteStart = nextNonBlank(lines, cut.line + cut.span);
  if (!isQuoted(lines[quoteStart])) return top; // an attribution above history without `>` marks: all of it is history
  const restStart = nextNonBlank(lines, quoteBlockEnd(lines, quoteStart));
  if (restStart >= lines.length) return top;
  const rest = lines.slice(restStart);
  if (rest.some(isQuoted)) return 'whole';
  // a mailing list's footer or the signature of the quoted mail below the quote
  if (isRuleLine(rest[0], 2) || isSignatureDelimiter(rest[0])) return top;
  const below = newText(rest, ctx);
  return [...trimEnd(top), ...(below === 'whole' ? rest : below)];
}

/** The first line where quoted history or a signature starts. */
function firstCut(lines: readonly string[], ctx: Context): Cut | undefined {
  const startsHistory = (i: number) =>
    isQuoted(lines[i]) || isRuleLine(lines[i], 4) || isSeparator(lines, i) || isHeaderBlock(lines, i, ctx.quoteMarkupInHtml) || attributionAt(lines, i) !== undefined;
  for (let i = 0; i < lines.length; i++) {
    if (isQuoted(lines[i])) return { kind: 'quote', line: i, span: 0 };
    if (isSeparator(lines, i) || isHeaderBlock(lines, i, ctx.quoteMarkupInHtml)) return { kind: 'history', line: ruleAbove(lines, i) };
    const attribution = attributionAt(lines, i);
    if (attribution) return { kind: 'quote', line: attribution.line, span: attribution.span, before: attribution.before };
    if (isDelimiter(lines, i) || isClientSignature(lines, i, startsHistory)) return { kind: 'signature', line: i };
  }
  return undefined;
}

/** Whether the two texts start with the same 200 characters, blanks aside. */
function startsAlike(a: string, b: string): boolean {
  const head = (s: string) => s.slice(0, 2000).replace(/\s+/g, ' ').trim().slice(0, 200);
  const ha = head(a);
  const hb = head(b);
  return hb.length > 0 && (ha.startsWith(hb) || hb.startsWith(ha));
}

function trimEnd(lines: string[]): string[] {
  let end = lines.length;
  while (end > 0 && lines[end - 1]!.trim() === '') end--;
  return lines.slice(0, end);
}
