import type { AnswerSettings } from './answer-settings';

/**
 * The link a requester gets to follow a ticket: the channel's `ticketLinkBase` with the
 * ticket id appended, or — when the channel names no portal — this app's own ticket page
 * under `PUBLIC_BASE_URL` (locally the host's address).
 */
export const LOCAL_BASE_URL = 'http://127.0.0.1:7071';

export function ticketLinkOf(settings: Pick<AnswerSettings, 'ticketLinkBase'>, publicBaseUrl: string | undefined, ticketId: string): string {
  const id = encodeURIComponent(ticketId);
  if (settings.ticketLinkBase) return `${settings.ticketLinkBase}${settings.ticketLinkBase.endsWith('/') ? '' : '/'}${id}`;
  // the admin page's ticket view (shared/admin-page, admin-ui/src/router.ts): sign-in required
  return `${withoutTrailingSlashes(publicBaseUrl ?? LOCAL_BASE_URL)}/api/console/#/tickets/${id}`;
}

/** A loop, not `/\/+$/`: that regex retries from every slash of a long run (quadratic). */
function withoutTrailingSlashes(s: string): string {
  let end = s.length;
  while (end > 0 && s[end - 1] === '/') end--;
  return s.slice(0, end);
}
