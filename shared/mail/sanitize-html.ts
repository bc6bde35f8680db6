import sanitizeHtml from 'sanitize-html';
import { withoutBidiFormatting } from './invisible-characters';

/**
 * Mail HTML made safe to render in the ticket UI, formatting kept.
 *
 * Allow-list, not deny-list: formatting, tables, lists, links (http, https, mailto only,
 * opened in a new tab with `rel="noopener noreferrer"`; mailto without parameters),
 * images from `cid:` (inline attachments) and `data:image/*` raster formats (and, when
 * asked, http(s) images). No script, style, iframe, form, object, base, meta, `on*`
 * handlers, `javascript:` URLs, `srcset`, `background` attributes, ids, names or classes
 * (they would collide with the UI's own). Inline `style` survives for the properties
 * that carry formatting (colours, fonts, alignment, spacing, borders), with values that
 * can neither load anything nor move or cover the page. Bidi overrides are taken out of
 * the text.
 */
export interface SanitizeOptions {
  /** Keep `<img src="http(s)://…">` (tracking pixels, remote logos). Default false. */
  remoteImages?: boolean;
}

const formattingTags = ['img', 'font', 'center', 'del', 'ins', 'strike', 'big', 'tt', 'u', 's'];

/** Attributes that only describe presentation. */
const presentational = ['style', 'dir', 'lang', 'title', 'align', 'valign', 'width', 'height', 'bgcolor', 'color'];

/*
 * Inline styles: a small allow-list of properties, each with the values it may take.
 * What is refused is what moves or covers content (`position`, `z-index`, `transform`,
 * `float`, negative margins, `width: 9999px`, a 500px font or border) or loads something
 * (`url(…)`, `expression(…)`, `image-set(…)`): none of it can match the patterns below,
 * which admit no parentheses except colour functions, no backslash escapes and no
 * minus sign in front of a number. Every pattern is anchored, with bounded repetition
 * only, so it runs in linear time on hostile input.
 */
const colour = String.raw`(?:#[0-9a-f]{3,8}|[a-z]{3,20}|(?:rgba?|hsla?)\([0-9 .,%/]{1,40}\))`;
/** Spacing lengths: at most 99px/99pt, 4.99em, 99%. */
const small = String.raw`(?:0|\d{1,2}(?:\.\d{1,2})?(?:px|pt)|[0-4](?:\.\d{1,2})?r?em|\d{1,2}%)`;
/** Box sizes: at most 999px or 100%. */
const size = String.raw`(?:auto|0|[1-9]\d{0,2}(?:\.\d{1,2})?px|(?:100|[1-9]?\d)(?:\.\d{1,2})?%)`;
const borderPart = String.raw`(?:0|\d(?:\.\d{1,2})?(?:px|pt)|thin|medium|thick|none|hidden|solid|dashed|dotted|double|groove|ridge|inset|outset|${colour})`;
const keywords = (...words: string[]) => new RegExp(`^(?:${words.join('|')})$`, 'i');
const oneToFour = (part: string) => new RegExp(`^${part}(?: {1,4}${part}){0,3}$`, 'i');
const exactly = (part: string) => new RegExp(`^${part}$`, 'i');

export const allowedStyles: Record<string, RegExp[]> = {
  color: [exactly(colour)],
  'background-color': [exactly(colour)],
  // the shorthand only as a colour: its image, position and size forms load or move things
  background: [exactly(colour)],
  'font-family': [/^[\w ,'"-]{1,200}$/],
  'font-size': [/^(?:xx-small|x-small|small|medium|large|x-large|xx-large|smaller|larger|(?:[1-9]|[1-6]\d|7[0-2])(?:\.\d{1,2})?(?:px|pt)|[0-4](?:\.\d{1,2})?r?em|(?:[1-9]\d?|[1-3]\d\d|400)%)$/i],
  'font-style': [keywords('normal', 'italic', 'oblique')],
  'font-weight': [keywords('normal', 'bold', 'bolder', 'lighter', '[1-9]00')],
  'font-variant': [keywords('normal', 'small-caps')],
  'line-height': [/^(?:normal|[0-4](?:\.\d{1,2})?|\d{1,2}(?:\.\d{1,2})?(?:px|pt)|(?:[1-9]\d?|[1-3]\d\d)%)$/i],
  'text-align': [keywords('left', 'right', 'center', 'justify', 'start', 'end')],
  'text-decoration': [/^(?:none|underline|overline|line-through)(?: (?:underline|overline|line-through|solid|double|dotted|dashed|wavy)){0,3}$/i],
  'text-indent': [exactly(small)],
  'text-transform': [keywords('none', 'capitalize', 'uppercase', 'lowercase')],
  'vertical-align': [keywords('baseline', 'sub', 'super', 'top', 'text-top', 'middle', 'bottom', 'text-bottom')],
  'white-space': [keywords('normal', 'nowrap', 'pre', 'pre-wrap', 'pre-line')],
  direction: [keywords('ltr', 'rtl')],
  margin: [oneToFour(`(?:${small}|auto)`)],
  ...Object.fromEntries(['top', 'right', 'bottom', 'left'].map((side) => [`margin-${side}`, [exactly(`(?:${small}|auto)`)]])),
  padding: [oneToFour(small)],
  ...Object.fromEntries(['top', 'right', 'bottom', 'left'].map((side) => [`padding-${side}`, [exactly(small)]])),
  border: [new RegExp(`^${borderPart}(?: ${borderPart}){0,2}$`, 'i')],
  ...Object.fromEntries(['top', 'right', 'bottom', 'left'].map((side) => [`border-${side}`, [new RegExp(`^${borderPart}(?: ${borderPart}){0,2}$`, 'i')]])),
  'border-color': [oneToFour(colour)],
  'border-style': [oneToFour('(?:none|hidden|solid|dashed|dotted|double|groove|ridge|inset|outset)')],
  'border-width': [oneToFour(String.raw`(?:0|\d(?:\.\d{1,2})?(?:px|pt)|thin|medium|thick)`)],
  'border-collapse': [keywords('collapse', 'separate')],
  'border-spacing': [new RegExp(`^${small}(?: ${small})?$`, 'i')],
  width: [exactly(size)],
  height: [exactly(size)],
  'max-width': [exactly(size)],
  'min-width': [exactly(size)],
  'list-style-type': [/^[a-z-]{1,30}$/i],
  'table-layout': [keywords('auto', 'fixed')],
};

/** `width`/`height` attributes (tables, images): at most 999 pixels or 100%. */
const boundedDimension = /^(?:[1-9]?\d{1,2}|(?:100|[1-9]?\d)%)$/;

const rasterDataImage = /^data:image\/(?:png|jpe?g|gif|webp|bmp);base64,[a-z0-9+/=\s]+$/i;

function options(opts: SanitizeOptions): sanitizeHtml.IOptions {
  return {
    allowedTags: [...sanitizeHtml.defaults.allowedTags, ...formattingTags],
    // Content of these is never shown as text (scripts, CSS, the <title>, form values).
    nonTextTags: ['script', 'style', 'textarea', 'option', 'noscript', 'title', 'head', 'iframe', 'object', 'embed', 'template', 'svg', 'math'],
    allowedAttributes: {
      '*': presentational,
      // no `name`: like `id`, it creates a global the UI's scripts could read instead of their own (DOM clobbering)
      a: ['href', 'target', 'rel'],
      img: ['src', 'alt'],
      font: ['face', 'size'],
      table: ['border', 'cellpadding', 'cellspacing', 'summary'],
      td: ['colspan', 'rowspan', 'nowrap'],
      th: ['colspan', 'rowspan', 'nowrap', 'scope'],
      col: ['span'],
      colgroup: ['span'],
      ol: ['start', 'type', 'reversed'],
      ul: ['type'],
      li: ['value'],
      blockquote: ['type', 'cite'],
    },
    allowedStyles: { '*': allowedStyles },
    allowedSchemes: ['http', 'https', 'mailto'],
    allowedSchemesByTag: { img: opts.remoteImages ? ['cid', 'data', 'http', 'https'] : ['cid', 'data'] },
    allowedSchemesAppliedToAttributes: ['href', 'src', 'cite'],
    allowProtocolRelative: false,
    transformTags: { '*': transformTag },
    // Text can carry bidi overrides that make a link text or a name read backwards.
    textFilter: (text) => withoutBidiFormatting(text),
    // An <img> whose source is not allowed is dropped whole rather than left broken.
    exclusiveFilter: (frame) => frame.tag === 'img' && !allowedImageSource(frame.attribs.src, opts),
  };
}

/**
 * One transform for every tag (sanitize-html applies either the tag's own or the `*` one):
 * links open in a new tab without an opener and `mailto:` keeps only its addresses (no
 * `cc`, `bcc`, `subject` or `body` a click would pre-fill); `<bdo>`, which reverses text,
 * becomes a plain span; oversized `width`/`height` attributes and bidi overrides in
 * `title`/`alt` go.
 */
function transformTag(tagName: string, attribs: sanitizeHtml.Attributes): sanitizeHtml.Tag {
  const out: sanitizeHtml.Attributes = { ...attribs };
  for (const dim of ['width', 'height']) if (out[dim] !== undefined && !boundedDimension.test(out[dim].trim())) delete out[dim];
  for (const text of ['title', 'alt']) if (out[text] !== undefined) out[text] = withoutBidiFormatting(out[text]);
  if (tagName === 'bdo') {
    delete out.dir;
    return { tagName: 'span', attribs: out };
  }
  if (tagName === 'a') {
    delete out.target;
    delete out.rel;
    if (out.href !== undefined) {
      const href = bareMailto(out.href);
      if (href) Object.assign(out, { href, target: '_blank', rel: 'noopener noreferrer' });
      else delete out.href;
    }
  }
  return { tagName, attribs: out };
}

/** A `mailto:` URL cut to its addresses; any other URL unchanged; `undefined` for a mailto with no address. */
export function bareMailto(href: string): string | undefined {
  const trimmed = href.trim();
  if (trimmed.slice(0, 7).toLowerCase() !== 'mailto:') return href;
  const query = trimmed.search(/[?#]/);
  const to = trimmed.slice(7, query >= 0 ? query : undefined);
  return to ? `mailto:${to}` : undefined;
}

function allowedImageSource(src: string | undefined, opts: SanitizeOptions): boolean {
  if (!src) return false;
  const s = src.trim();
  if (/^cid:/i.test(s)) return true;
  if (/^data:/i.test(s)) return rasterDataImage.test(s);
  return !!opts.remoteImages && /^https?:\/\//i.test(s);
}

/** Returns HTML that is safe to put into the ticket UI. */
export function sanitizeMailHtml(html: string, opts: SanitizeOptions = {}): string {
  return sanitizeHtml(html, options(opts)).trim();
}
