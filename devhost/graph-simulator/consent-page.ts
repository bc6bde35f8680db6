import type { ServerResponse } from 'node:http';

/** The simulator's "Permissions requested" page: a plain form, no script, so a test can post it with fetch or click it in Chromium. */
export interface ConsentPageInput {
  /** Absolute URL the form posts to (the authorize endpoint). */
  action: string;
  /** The authorize request's parameters, carried through the form. */
  hidden: [string, string][];
  loginHint: string;
  scopes: string[];
  appId: string;
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export function consentPage(input: ConsentPageInput): string {
  const hidden = input.hidden.map(([k, v]) => `<input type="hidden" name="${escapeHtml(k)}" value="${escapeHtml(v)}">`).join('');
  const scopes = input.scopes.map((s) => `<li>${escapeHtml(s)}</li>`).join('');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Permissions requested</title></head><body>
<h1>Permissions requested</h1>
<p>The app <code>${escapeHtml(input.appId)}</code> would like to:</p><ul>${scopes}</ul>
<form method="post" action="${escapeHtml(input.action)}">${hidden}
<label>Account <input name="login_hint" value="${escapeHtml(input.loginHint)}" autocomplete="username" required></label>
<button type="submit" name="decision" value="accept">Accept</button>
<button type="submit" name="decision" value="cancel" formnovalidate>Cancel</button>
</form></body></html>`;
}

/** 302 to the app's redirect URI with the given query parameters (empty ones left out). */
export function redirectWith(res: ServerResponse, redirectUri: string, params: Record<string, string>): void {
  const url = new URL(redirectUri);
  for (const [k, v] of Object.entries(params)) if (v) url.searchParams.set(k, v);
  res.writeHead(302, { location: url.toString(), 'cache-control': 'no-store' });
  res.end();
}
