/**
 * A mail's HTML body (already sanitized by the server) shown in a frame that could not do
 * harm even if sanitizing had missed something: `sandbox` without allow-scripts (no script,
 * no forms, no popups, its own opaque origin) and a srcdoc whose first element is a CSP that
 * allows nothing but data: images and inline style attributes (no remote loads: no tracking
 * pixel, no font, no frame; no style sheet, not even inline; no form target, no base URL).
 *
 * A srcdoc document also inherits the page's CSP (shared/admin-page/headers.ts) and obeys
 * both: that is why the page allows `style-src-attr 'unsafe-inline'` — without it the
 * mail's colours and fonts were refused here. The page's `frame-src 'none'` keeps the
 * frame from navigating away.
 */
export const MAIL_FRAME_CSP = "default-src 'none'; img-src data:; style-src-attr 'unsafe-inline'; base-uri 'none'; form-action 'none'";

/** The frame's document: the CSP comes before any byte of the mail, so it governs all of it. */
export function mailFrameDocument(html: string): string {
  return `<!doctype html><html><head><meta http-equiv="Content-Security-Policy" content="${MAIL_FRAME_CSP}"><meta charset="utf-8"></head><body>${html}</body></html>`;
}
