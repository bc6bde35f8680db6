/**
 * A mail's HTML body (already sanitized by the server) shown in a frame that could not do
 * harm even if sanitizing had missed something: `sandbox` without allow-scripts (no script,
 * no forms, no popups, its own opaque origin) and a srcdoc whose first element is a CSP that
 * allows nothing but data: images and inline styles (no remote loads: no tracking pixel, no
 * font, no frame). The page's own CSP (frame-src) also keeps the frame from navigating away.
 */
export const MAIL_FRAME_CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'";

/** The frame's document: the CSP comes before any byte of the mail, so it governs all of it. */
export function mailFrameDocument(html: string): string {
  return `<!doctype html><html><head><meta http-equiv="Content-Security-Policy" content="${MAIL_FRAME_CSP}"><meta charset="utf-8"></head><body>${html}</body></html>`;
}
