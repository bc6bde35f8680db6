import { Parser } from 'htmlparser2';

/**
 * Where the quoted history of an HTML reply sits, read from the markup the clients put
 * around it, in one pass of htmlparser2's tokenizer:
 * - quote containers: Gmail's `div.gmail_quote` / `blockquote.gmail_quote`, Apple Mail's and
 *   Thunderbird's `blockquote type=cite` (with Thunderbird's `div.moz-cite-prefix` above it),
 *   Yahoo's `div.yahoo_quoted`, Proton's `.protonmail_quote`. Text after the container is a
 *   bottom-posted answer and is kept; text between two containers means interleaved answers,
 *   and the HTML is left whole.
 * - history markers: Outlook's `div#appendonsend`, `div#divRplyFwdMsg`, its header block
 *   `div` with `border-top:solid #E1E1E1` (or `#B5C4DF`, older Outlook), `OLK_SRC_BODY_SECTION`
 *   (Outlook for Mac), Zimbra's `hr#zwchr`: everything from the marker on is history.
 */

type Kind = 'quote' | 'history';

interface Region {
  kind: Kind;
  start: number;
  end: number;
  /** Non-blank text between the end of the previous region (or the start) and this one. */
  textBefore: boolean;
}

const MAX_HTML = 5 * 1024 * 1024;
/**
 * htmlparser2 keeps its open elements in an array it `unshift`s, so each tag costs the
 * current depth: past this depth the markup is not read on (and nothing is cut), which keeps
 * the pass linear. Real mail nests a few dozen levels; html-to-text stops at 256 too.
 */
const MAX_DEPTH = 256;

function kindOf(name: string, attribs: Record<string, string>): Kind | undefined {
  const classes = ` ${(attribs.class ?? '').toLowerCase()} `;
  const hasClass = (c: string) => classes.includes(` ${c} `);
  const id = (attribs.id ?? '').toLowerCase().replace(/^x_/, '');
  if (name === 'blockquote' && (attribs.type ?? '').toLowerCase() === 'cite') return 'quote';
  if (hasClass('gmail_quote') || hasClass('gmail_quote_container') || hasClass('yahoo_quoted') || hasClass('protonmail_quote') || hasClass('moz-cite-prefix')) return 'quote';
  if (id === 'appendonsend' || id === 'divrplyfwdmsg' || id === 'olk_src_body_section' || id === 'zwchr' || hasClass('outlookmessageheader')) return 'history';
  if (name === 'div') {
    const style = (attribs.style ?? '').toLowerCase().replaceAll(' ', '');
    if (style.includes('border-top:solid#e1e1e1') || style.includes('border-top:solid#b5c4df')) return 'history';
  }
  return undefined;
}

/** The quote containers and history markers of `html`, outermost only, in order; `undefined` when it nests too deep to read. */
function regionsOf(html: string): Region[] | undefined {
  const regions: Region[] = [];
  let tooDeep = false;
  const stack: string[] = [];
  let open: { kind: Kind; start: number; depth: number; textBefore: boolean } | undefined;
  let textSince = false;
  const parser = new Parser(
    {
      onopentag(name, attribs) {
        stack.push(name);
        if (stack.length > MAX_DEPTH) {
          tooDeep = true;
          parser.pause();
          return;
        }
        if (open) return;
        const kind = kindOf(name, attribs);
        if (kind) {
          open = { kind, start: parser.startIndex, depth: stack.length, textBefore: textSince };
          textSince = false;
        }
      },
      onclosetag() {
        if (open && stack.length === open.depth) {
          regions.push({ kind: open.kind, start: open.start, end: parser.endIndex + 1, textBefore: open.textBefore });
          open = undefined;
        }
        stack.pop();
      },
      ontext(text) {
        if (!open && text.trim() !== '') textSince = true;
      },
    },
    { decodeEntities: true },
  );
  parser.end(html);
  if (tooDeep) return undefined;
  if (open) regions.push({ kind: open.kind, start: open.start, end: html.length, textBefore: open.textBefore });
  regions.push({ kind: 'history', start: html.length, end: html.length, textBefore: textSince }); // the end, as a sentinel
  return regions;
}

/**
 * The reply's own HTML: quoted history cut away, a bottom-posted answer kept. `undefined`
 * when the markup shows no history, or shows answers interleaved with quotes.
 */
export function htmlWithoutHistory(html: string): string | undefined {
  if (html.length > MAX_HTML) return undefined;
  const regions = regionsOf(html);
  if (!regions || regions.length === 1) return undefined; // too deep, or only the sentinel
  const first = regions[0]!;
  if (first.kind === 'history') return withoutTrailingBreaks(html.slice(0, first.start));
  // Thunderbird's attribution div and its blockquote, with only blanks between, are one quote.
  let i = 0;
  while (regions[i + 1]!.kind === 'quote' && !regions[i + 1]!.textBefore) i++;
  const next = regions[i + 1]!;
  const quoteEnd = regions[i]!.end;
  if (!next.textBefore) return withoutTrailingBreaks(html.slice(0, first.start)); // nothing after the quote (or history right after it)
  if (next.kind === 'quote') return undefined; // answers between quotes: interleaved
  return html.slice(0, first.start) + html.slice(quoteEnd, next.start); // bottom-posted, up to any history further down
}

/** Drops the `<br>` and `<hr>` a client puts between the reply and the history it quotes (read back from the end, once). */
function withoutTrailingBreaks(html: string): string {
  let end = html.length;
  const skipBlanks = () => {
    while (end > 0 && /\s/.test(html[end - 1]!)) end--;
  };
  skipBlanks();
  while (end > 0 && html[end - 1] === '>') {
    const lt = html.lastIndexOf('<', end - 1);
    if (lt < 0 || end - lt > 200 || !/^<(?:br|hr)\b[^<>]*>$/i.test(html.slice(lt, end))) break;
    end = lt;
    skipBlanks();
  }
  return html.slice(0, end);
}

/** Tags that end a visual line of text. */
const blockTags = new Set(['address', 'article', 'blockquote', 'br', 'center', 'dd', 'div', 'dl', 'dt', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'hr', 'li', 'ol', 'p', 'pre', 'section', 'table', 'tbody', 'td', 'th', 'tr', 'ul']);

const collapse = (s: string) => s.replace(/\s+/g, ' ').trim();

/**
 * For HTML without quote markup (AOL, Hotmail, older Outlook, webmailers): the HTML above
 * the visual line that starts with `historyLine`, the line where the text rules found the
 * history to start (`-----Original Message-----`, `From: …`, `On … wrote:`). `undefined`
 * when no line of the HTML starts with it. One pass; a line is the text between block tags.
 */
export function htmlBeforeLine(html: string, historyLine: string): string | undefined {
  const needle = collapse(historyLine).slice(0, 40);
  if (html.length > MAX_HTML || needle.length < 8) return undefined;
  let found: number | undefined;
  let line = '';
  let lineStart = -1;
  let depth = 0;
  let tooDeep = false;
  const flush = () => {
    if (found === undefined && lineStart >= 0 && collapse(line.slice(0, 400)).startsWith(needle)) found = lineStart;
    line = '';
    lineStart = -1;
  };
  const parser = new Parser(
    {
      onopentag(name) {
        if (++depth > MAX_DEPTH) {
          tooDeep = true;
          parser.pause();
          return;
        }
        if (blockTags.has(name)) flush();
        else if (lineStart < 0) lineStart = parser.startIndex;
        if (found !== undefined) parser.pause();
      },
      onclosetag(name) {
        depth--;
        if (blockTags.has(name)) flush();
        if (found !== undefined) parser.pause();
      },
      ontext(text) {
        if (lineStart < 0) {
          if (text.trim() === '') return;
          lineStart = parser.startIndex;
        }
        if (line.length < 400) line += text;
      },
    },
    { decodeEntities: true },
  );
  parser.end(html);
  if (found === undefined && !tooDeep) flush();
  return found === undefined || tooDeep ? undefined : withoutTrailingBreaks(html.slice(0, found));
}
