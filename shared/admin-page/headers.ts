/**
 * The security headers of the admin page. The page runs only its own bundled script (no
 * inline script, no eval), talks only to its own origin, loads nothing from elsewhere (no
 * CDN: admin jump hosts often have no internet), and may not be framed. A mail's HTML is
 * shown in a sandboxed srcdoc frame with its own, stricter policy (admin-ui/src/mail-frame.ts);
 * `frame-src 'none'` keeps that frame from navigating anywhere, even if a link in it is
 * followed.
 *
 * `style-src-attr 'unsafe-inline'`: a srcdoc frame inherits this policy on top of its own,
 * so without it a mail's inline `style` attributes (its colours, fonts, alignment) would be
 * refused there. Only attributes: `<style>` elements stay limited to our own files, and
 * style attributes cannot select elements, so CSS can read nothing out of the page (the
 * attribute-selector leak needs a style sheet); `url()` in them loads nothing, as img-src
 * and font-src stay 'self'. What is left — restyling an element — needs an HTML injection
 * into the page, which renders mail content only as text. The mail's styles are
 * themselves cut to a formatting allow-list when stored (shared/tickets/html.ts).
 */
export const ADMIN_PAGE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "style-src-attr 'unsafe-inline'",
  "connect-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "frame-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

export const ADMIN_PAGE_SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': ADMIN_PAGE_CSP,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'permissions-policy': 'camera=(), microphone=(), geolocation=(), payment=(), usb=()',
};
