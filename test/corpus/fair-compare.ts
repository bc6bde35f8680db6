import sanitizeHtml from 'sanitize-html';

/**
 * How our parse is compared with Zammad's expectations "fairly" (corpus README):
 * sender and subject exactly, after decoding; the body as visible text — tags removed,
 * entities decoded, Unicode NFC, all whitespace dropped (the two sides break lines and
 * blocks differently; the words must be the same).
 */

/** Visible text of HTML or plain text, whitespace removed. */
export function visibleText(body: string, isHtml: boolean): string {
  let text = isHtml
    ? sanitizeHtml(body, { allowedTags: [], allowedAttributes: {}, nonTextTags: ['script', 'style', 'title', 'head', 'textarea'] })
    : body;
  text = decodeEntities(text);
  // Zammad writes this placeholder for a mail without a text body.
  if (text.trim() === 'no visible content') text = '';
  return text.normalize('NFC').replace(/\s+/g, '');
}

/** Zammad stores HTML bodies as HTML; old ymls lack `content_type`, so look at the body. */
export function looksLikeHtml(body: string, contentType: string | undefined): boolean {
  return contentType === 'text/html' || (!contentType && /<(p|div|br|a|span|strong|b|i|table)\b/i.test(body));
}

/**
 * Only the ASCII characters: for the corpus mails whose 8-bit bytes were re-encoded
 * when the corpus was copied (README: mail031, 032, 044, 046, 068, 093, 098), the
 * non-ASCII text can no longer match; the ASCII text still must.
 */
export function asciiOnly(text: string): string {
  return text.replace(/[^\x20-\x7e]/g, '');
}

/** RFC 2047 words decoded leniently (Q and B, UTF-8), for addresses that carry one. */
export function decodeWordsLeniently(value: string): string {
  return value.replace(/=\?utf-8\?([qb])\?(.*?)\?=/gi, (_m, enc: string, text: string) =>
    enc.toLowerCase() === 'b'
      ? Buffer.from(text, 'base64').toString('utf8')
      : Buffer.from(text.replace(/_/g, ' ').replace(/=([0-9a-f]{2})/gi, (_x, h: string) => String.fromCharCode(parseInt(h, 16))), 'latin1').toString('utf8'),
  );
}

function decodeEntities(text: string): string {
  const named: Record<string, string> = { nbsp: ' ', lt: '<', gt: '>', quot: '"', apos: "'", amp: '&' };
  return text.replace(/&(#\d+|#x[0-9a-f]+|[a-z]+);/gi, (whole, ref: string) => {
    if (ref[0] === '#') {
      const code = ref[1] === 'x' || ref[1] === 'X' ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
      return Number.isFinite(code) ? String.fromCodePoint(code) : whole;
    }
    return named[ref.toLowerCase()] ?? whole;
  });
}
