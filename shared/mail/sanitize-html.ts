import sanitizeHtml from 'sanitize-html';

/**
 * Mail HTML made safe to render in the ticket UI, formatting kept.
 *
 * Allow-list, not deny-list: formatting, tables, lists, links (http, https, mailto only,
 * opened in a new tab with `rel="noopener noreferrer"`), images from `cid:` (inline
 * attachments) and `data:image/*` raster formats (and, when asked, http(s) images).
 * No script, style, iframe, form, object, `on*` handlers, `javascript:` URLs, ids or
 * classes (they would collide with the UI's own). Inline `style` survives for the
 * properties that carry formatting (colours, fonts, alignment, spacing, borders), with
 * values that cannot load anything (`url(`, `expression(` are refused).
 */
export interface SanitizeOptions {
  /** Keep `<img src="http(s)://…">` (tracking pixels, remote logos). Default false. */
  remoteImages?: boolean;
}

const formattingTags = ['img', 'font', 'center', 'del', 'ins', 'strike', 'big', 'tt', 'u', 's'];

/** Attributes that only describe presentation. */
const presentational = ['style', 'dir', 'lang', 'title', 'align', 'valign', 'width', 'height', 'bgcolor', 'color'];

const styleProperties = [
  'color', 'background-color', 'background',
  'font', 'font-family', 'font-size', 'font-style', 'font-weight', 'font-variant',
  'text-align', 'text-decoration', 'text-indent', 'text-transform', 'vertical-align',
  'line-height', 'letter-spacing', 'word-spacing', 'white-space', 'direction',
  'margin', 'margin-top', 'margin-right', 'margin-bottom', 'margin-left',
  'padding', 'padding-top', 'padding-right', 'padding-bottom', 'padding-left',
  'border', 'border-top', 'border-right', 'border-bottom', 'border-left',
  'border-color', 'border-style', 'border-width', 'border-collapse', 'border-spacing',
  'width', 'height', 'max-width', 'min-width', 'list-style-type', 'table-layout',
];
/** A CSS value that cannot fetch or run anything: no url(), expression(), image-set(), escapes. */
const safeCssValue = /^(?![\s\S]*(?:url|expression|image-set|image|element|javascript|vbscript)\s*[(:])[#%,.()'"!/\w\s+-]*$/i;

const rasterDataImage = /^data:image\/(?:png|jpe?g|gif|webp|bmp);base64,[a-z0-9+/=\s]+$/i;

function options(opts: SanitizeOptions): sanitizeHtml.IOptions {
  return {
    allowedTags: [...sanitizeHtml.defaults.allowedTags, ...formattingTags],
    // Content of these is never shown as text (scripts, CSS, the <title>, form values).
    nonTextTags: ['script', 'style', 'textarea', 'option', 'noscript', 'title', 'head', 'iframe', 'object', 'embed', 'template', 'svg', 'math'],
    allowedAttributes: {
      '*': presentational,
      a: ['href', 'name', 'target', 'rel'],
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
    allowedStyles: { '*': Object.fromEntries(styleProperties.map((p) => [p, [safeCssValue]])) },
    allowedSchemes: ['http', 'https', 'mailto'],
    allowedSchemesByTag: { img: opts.remoteImages ? ['cid', 'data', 'http', 'https'] : ['cid', 'data'] },
    allowedSchemesAppliedToAttributes: ['href', 'src', 'cite'],
    allowProtocolRelative: false,
    transformTags: {
      a: (tagName, attribs) => {
        const out: sanitizeHtml.Attributes = { ...attribs };
        delete out.target;
        delete out.rel;
        if (out.href) Object.assign(out, { target: '_blank', rel: 'noopener noreferrer' });
        return { tagName, attribs: out };
      },
    },
    // An <img> whose source is not allowed is dropped whole rather than left broken.
    exclusiveFilter: (frame) => frame.tag === 'img' && !allowedImageSource(frame.attribs.src, opts),
  };
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
