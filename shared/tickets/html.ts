import sanitizeHtml from 'sanitize-html';
import { withoutBidiFormatting } from '../mail/invisible-characters';
import { allowedStyles, bareMailto } from '../mail/sanitize-html';
import { limitHtmlDepth } from '../mail/html-depth';

/**
 * The last line of defence before HTML is stored on a ticket or note: whatever the mail
 * pipeline already cleaned is cleaned again here with a conservative allow-list, so no
 * stored HTML can carry script, event handlers, forms or remote frames. Idempotent on
 * HTML it already produced. Inline images may reference `cid:` parts or attachment URLs.
 * Inline `style` is kept with the mail sanitizer's allow-list (properties that format, values
 * that can neither load anything nor move or cover the page), so a mail keeps its colours.
 */
const OPTIONS: sanitizeHtml.IOptions = {
  allowedTags: [...sanitizeHtml.defaults.allowedTags, 'img', 'span', 'font', 'center'],
  allowedAttributes: {
    // no `name` (or `id`): it would create globals the UI's scripts could mistake for their own
    a: ['href', 'title', 'rel', 'target'],
    img: ['src', 'alt', 'title', 'width', 'height'],
    td: ['colspan', 'rowspan', 'align', 'valign'],
    th: ['colspan', 'rowspan', 'align', 'valign'],
    table: ['border', 'cellpadding', 'cellspacing', 'width'],
    font: ['color'],
    '*': ['dir', 'lang', 'style'],
  },
  allowedStyles: { '*': allowedStyles },
  allowedSchemes: ['http', 'https', 'mailto', 'tel', 'cid'],
  allowedSchemesByTag: { img: ['http', 'https', 'cid', 'data'] },
  allowProtocolRelative: false,
  transformTags: {
    a: (tagName, attribs) => {
      const href = attribs.href === undefined ? undefined : bareMailto(attribs.href);
      const { href: _dropped, ...rest } = attribs;
      return { tagName, attribs: { ...rest, ...(href ? { href } : {}), rel: 'noopener noreferrer nofollow', target: '_blank' } };
    },
  },
  textFilter: (text) => withoutBidiFormatting(text),
};

export function sanitizeTicketHtml(html: string): string {
  // depth bounded first: sanitize-html's parser is quadratic in nesting (see html-depth.ts)
  return sanitizeHtml(limitHtmlDepth(html).html, OPTIONS);
}
