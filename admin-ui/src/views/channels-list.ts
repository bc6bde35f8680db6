import { get } from '../api';
import type { ChannelView } from '../../../shared/config/channel';
import type { ChannelStatsView } from '../../../shared/admin/stats-view';
import type { LedgerRecord } from '../../../shared/store/ledger';
import { h, replace } from '../dom';
import { href } from '../router';
import { badge, button, errorBar, link, loading, messageBar, pageHeader, table, when, type View } from './common';
import { startSignIn } from './sign-in';

/** Folders Graph does not notify although it should (a failed or expired subscription): their new mail waits for the safety poll. */
const unnotified = (stats: ChannelStatsView | undefined) => stats?.notifications?.folders.filter((f) => f.state === 'failed' || f.state === 'expired') ?? [];

const OUTCOMES = ['created', 'noted', 'ignored', 'rejected', 'failed', 'left'] as const;
const DAY_MS = 24 * 60 * 60 * 1000;

/** Channels list: status, last sync, counts by outcome for the last 24 h, the newest failure. */
export function channelsListView(): View {
  const body = h('div', null, loading('Loading channels'));
  const element = h(
    'section',
    { 'aria-labelledby': 'page-title' },
    pageHeader('Mail channels', button('New channel', () => (location.hash = href('channels', 'new')), { appearance: 'primary', id: 'new-channel' })),
    h('p', { class: 'lead' }, 'Each channel connects one mailbox: its mail becomes tickets of the channel’s template.'),
    body,
  );
  void load(body);
  return { element };
}

async function load(body: HTMLElement): Promise<void> {
  try {
    const { items } = await get<{ items: ChannelView[] }>('channels');
    if (items.length === 0) {
      replace(body, h('p', null, 'No channel yet. Create one to connect a mailbox.'));
      return;
    }
    const since = new Date(Date.now() - DAY_MS).toISOString();
    const rows = await Promise.all(items.map((c) => row(c, since)));
    replace(
      body,
      reauthorizationBanner(items),
      table('Mail channels', ['Name', 'Mailbox', 'Status', 'Last sync', ...OUTCOMES.map((o) => `${o} (24 h)`), 'Newest failure'], rows),
    );
  } catch (err) {
    replace(body, errorBar(err));
  }
}

async function row(c: ChannelView, since: string) {
  const [stats, failures] = await Promise.all([
    get<ChannelStatsView>(`channels/${encodeURIComponent(c.id)}/stats?since=${encodeURIComponent(since)}`).catch(() => undefined),
    get<{ items: LedgerRecord[] }>(`channels/${encodeURIComponent(c.id)}/messages?outcome=failed&limit=1`).catch(() => undefined),
  ]);
  const newest = failures?.items[0];
  const syncError = stats?.sync.lastError;
  const silent = unnotified(stats);
  return [
    link(c.name, href('channels', c.id)),
    `${c.connection.username} (${c.connection.protocol})`,
    h('span', null, badge(c.status), c.needsReauthorization ? [' ', badge('needsReauthorization', 'needs re-authorization')] : null, signInLink(c)),
    h(
      'span',
      null,
      when(stats?.sync.lastSyncedAt),
      syncError ? h('span', { class: 'error-text' }, ` — ${syncError.message ?? syncError.code ?? 'error'}`) : null,
      silent.length > 0 ? h('span', { class: 'error-text' }, ` — change notifications failing for ${silent.map((f) => f.folder).join(', ')} (see Monitoring)`) : null,
    ),
    ...OUTCOMES.map((o) => String(stats?.byOutcome[o] ?? 0)),
    newest ? link(`${newest.reasonCode ?? 'failed'}: ${newest.subject ?? '(no subject)'}`, href('channels', c.id, 'messages', newest.id)) : '—',
  ];
}

/**
 * Channels whose sign-in the provider refused for good (revoked, expired, consent
 * withdrawn): they sync nothing until an admin signs in again, so the page says so first.
 */
function reauthorizationBanner(items: ChannelView[]): HTMLElement | null {
  const stale = items.filter((c) => c.needsReauthorization);
  if (stale.length === 0) return null;
  return messageBar(
    'warning',
    h('strong', null, `${stale.length} channel(s) need signing in again; they read no mail until then.`),
    ...stale.map((c) =>
      h('div', { class: 'reauth' }, `${c.name}: ${c.needsReauthorization?.message ?? ''} `, button(`Sign in again to ${c.name}`, () => void startSignIn(c.id))),
    ),
  );
}

/** Channels that sign in as a user (authorization-code flow) link their sign-in view: who it is signed in as, and the button. */
function signInLink(c: ChannelView): HTMLElement | null {
  const auth = c.connection.auth;
  if (auth.type !== 'oauth' || auth.flow !== 'authorizationCode') return null;
  return h('span', null, ' ', link('Sign-in', href('channels', c.id, 'sign-in')));
}
