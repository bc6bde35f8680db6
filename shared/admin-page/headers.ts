/**
 * The security headers of the admin page. The page runs only its own bundled script (no
 * inline script, no eval), talks only to its own origin, loads nothing from elsewhere (no
 * CDN: admin jump hosts often have no internet), and may not be framed. A mail's HTML is
 * shown in a sandboxed srcdoc frame with its own, stricter policy (admin-ui/src/mail-frame.ts);
 * `frame-src 'none'` keeps that frame from navigating anywhere, even if a link in it is
 * followed.
 */
export const ADMIN_PAGE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
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
