/**
 * Bounds how deeply a mail's HTML nests before any HTML parser sees it. htmlparser2 (under
 * sanitize-html, html-to-text and the reply-HTML cut) pays the current depth on every tag,
 * so 20,000 nested `<div>`s took 5 s to parse and a 1 MB mail of them minutes: any sender
 * could stall a worker. Real mail nests a few dozen levels (a long Outlook thread of
 * quoted tables a few hundred), so a start tag that would open a level past `maxDepth` is
 * dropped; its text stays. One pass, no regex.
 *
 * The open elements are tracked as htmlparser2 tracks them (a start tag closes the
 * elements it implies closed, an end tag closes up to its element), on a stack that never
 * holds more than `maxDepth`, so this pass costs at most `maxDepth` per tag. Where it
 * differs from the parser (self-closing `<x/>` of foreign content) it counts a level more,
 * never less: it may flatten more than needed, never let a deep tree through.
 */
export const MAX_HTML_DEPTH = 256;

const VOID = new Set(['area', 'base', 'basefont', 'br', 'col', 'command', 'embed', 'frame', 'hr', 'img', 'input', 'isindex', 'keygen', 'link', 'meta', 'param', 'source', 'track', 'wbr']);
/** Their content is text up to their own end tag: `<` inside them opens nothing. */
const RAW_TEXT = new Set(['script', 'style', 'textarea', 'title', 'xmp', 'iframe', 'noembed', 'noframes']);
const pTag = ['p'];
const formTags = ['input', 'option', 'optgroup', 'select', 'button', 'datalist', 'textarea'];
/** Start tags that close the open elements named (while they are the innermost), as htmlparser2's `openImpliesClose`. */
const IMPLIES_CLOSE = new Map<string, ReadonlySet<string>>(
  (
    [
      ['tr', ['tr', 'th', 'td']],
      ['th', ['th']],
      ['td', ['thead', 'th', 'td']],
      ['body', ['head', 'link', 'script']],
      ['li', ['li']],
      ['option', ['option']],
      ['optgroup', ['optgroup', 'option']],
      ['dd', ['dd', 'dt']],
      ['dt', ['dd', 'dt']],
      ['rt', ['rt', 'rp']],
      ['rp', ['rt', 'rp']],
      ['tbody', ['thead', 'tbody']],
      ['tfoot', ['thead', 'tbody']],
      ...['select', 'input', 'output', 'button', 'datalist', 'textarea'].map((t) => [t, formTags] as const),
      ...['p', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'address', 'article', 'aside', 'blockquote', 'details', 'div', 'dl', 'fieldset', 'figcaption', 'figure', 'footer', 'form', 'header', 'hr', 'main', 'nav', 'ol', 'pre', 'section', 'table', 'ul'].map((t) => [t, pTag] as const),
    ] as const
  ).map(([k, v]) => [k, new Set(v)]),
);

export interface DepthLimited {
  html: string;
  /** Start tags dropped for opening a level past the limit. */
  dropped: number;
}

export function limitHtmlDepth(html: string, maxDepth = MAX_HTML_DEPTH): DepthLimited {
  const out: string[] = [];
  const open: string[] = [];
  let dropped = 0;
  let copiedTo = 0;
  let i = html.indexOf('<');
  while (i >= 0 && i < html.length) {
    if (html.startsWith('<!--', i)) {
      const end = html.indexOf('-->', i + 4);
      i = end < 0 ? -1 : html.indexOf('<', end + 3);
      continue;
    }
    const close = html.charCodeAt(i + 1) === 0x2f; // '/'
    const nameStart = close ? i + 2 : i + 1;
    let nameEnd = nameStart;
    while (nameEnd < html.length && isNameChar(html.charCodeAt(nameEnd))) nameEnd++;
    if (nameEnd === nameStart || !isLetter(html.charCodeAt(nameStart))) {
      // not a tag (`a < b`, `<!DOCTYPE`, `<?xml`): text to a parser, nothing opens
      i = html.indexOf('<', i + 1);
      continue;
    }
    const tagEnd = endOfTag(html, nameEnd);
    const name = html.slice(nameStart, nameEnd).toLowerCase();
    if (close) {
      const at = open.lastIndexOf(name);
      if (at >= 0) open.length = at;
    } else {
      const implied = IMPLIES_CLOSE.get(name);
      if (implied) while (open.length > 0 && implied.has(open[open.length - 1]!)) open.pop();
      if (!VOID.has(name)) {
        if (open.length >= maxDepth) {
          if (i > copiedTo) out.push(html.slice(copiedTo, i));
          copiedTo = tagEnd;
          dropped++;
        } else {
          open.push(name);
          if (RAW_TEXT.has(name)) {
            i = endTagOf(html, name, tagEnd);
            continue;
          }
        }
      }
    }
    i = html.indexOf('<', tagEnd);
  }
  if (dropped === 0) return { html, dropped };
  out.push(html.slice(copiedTo));
  return { html: out.join(''), dropped };
}

/** The index just past the `>` that ends a tag whose name ends at `from` (quoted attribute values may hold `>`). */
function endOfTag(html: string, from: number): number {
  let quote = 0;
  for (let j = from; j < html.length; j++) {
    const c = html.charCodeAt(j);
    if (quote) {
      if (c === quote) quote = 0;
    } else if (c === 0x22 || c === 0x27) {
      // a quote opens a value only after `=` (with blanks between)
      let k = j - 1;
      while (k > from && (html.charCodeAt(k) === 0x20 || html.charCodeAt(k) === 0x09 || html.charCodeAt(k) === 0x0a)) k--;
      if (html.charCodeAt(k) === 0x3d) quote = c;
    } else if (c === 0x3e) return j + 1;
  }
  return html.length;
}

/** Where the end tag of a raw-text element starts (`</name`, any case), or -1: the rest is its text. */
function endTagOf(html: string, name: string, from: number): number {
  for (let j = html.indexOf('</', from); j >= 0; j = html.indexOf('</', j + 2)) {
    if (html.slice(j + 2, j + 2 + name.length).toLowerCase() === name && !isNameChar(html.charCodeAt(j + 2 + name.length))) return j;
  }
  return -1;
}

const isLetter = (c: number) => (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
const isNameChar = (c: number) => isLetter(c) || (c >= 0x30 && c <= 0x39) || c === 0x2d || c === 0x3a || c === 0x5f;
