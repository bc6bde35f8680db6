import { call, get } from '../api';
import type { LedgerRecord } from '../../../shared/store/ledger';
import { h, replace } from '../dom';
import { href } from '../router';
import { badge, button, errorBar, facts, link, loading, messageBar, pageHeader, table, when, type View } from './common';
import { stageTrail } from './decision';
import { downloadButton } from './tickets';
import type { ChannelView } from '../../../shared/config/channel';
import { outcomeChart } from './outcome-chart';
import type { ChannelStatsView } from '../../../shared/admin/stats-view';

const minutes = (seconds: number) => (seconds % 60 === 0 ? `${seconds / 60} minute(s)` : `${seconds} seconds`);

/** How new mail is found: the last sync, and a Microsoft 365 channel's change notifications per folder. */
function readingSection(id: string): { element: HTMLElement; load: () => Promise<void> } {
  const body = h('div', { id: 'mailbox-reading' }, loading('Loading how the mailbox is read'));
  const load = async () => {
    try {
      // since now: the counters this answer also carries are not needed here, so read as few as possible
      const stats = await get<ChannelStatsView>(`channels/${encodeURIComponent(id)}/stats?since=${encodeURIComponent(new Date().toISOString())}`);
      const n = stats.notifications;
      const how = !n
        ? stats.status === 'published' ? 'polling (IMAP)' : `nothing: the channel is ${stats.status}`
        : n.mode === 'push'
          ? `Microsoft Graph change notifications, within seconds; and a sync every ${minutes(n.safetyPollSeconds)} whatever they do`
          : n.mode === 'polling'
            ? `polling every ${minutes(n.safetyPollSeconds)}: ${n.why}`
            : `nothing: ${n.why}`;
      const err = stats.sync.lastError;
      replace(
        body,
        facts([
          ['New mail is found by', how],
          ['Last sync', when(stats.sync.lastSyncedAt)],
          ['Last sync error', err ? h('span', { class: 'error-text' }, `${err.code}: ${err.message} (${when(err.at)})`) : ''],
        ]),
        n && n.folders.length > 0
          ? table(
              'Change notifications per folder',
              ['Folder', 'Notifications', 'Subscribed until', 'Next renewal', 'Last error', 'Next attempt'],
              n.folders.map((f) => [
                f.folder,
                badge(f.state),
                when(f.subscribedUntil),
                f.state === 'active' ? when(f.renewAt) : f.state === 'missing' ? 'within a minute' : '—',
                f.lastError ? h('span', { class: 'error-text' }, `${f.lastError.code}: ${f.lastError.message} (${f.failures} attempt(s) in a row)`) : '—',
                f.state === 'failed' ? when(f.retryAt) : '—',
              ]),
            )
          : null,
      );
    } catch (err) {
      replace(body, errorBar(err));
    }
  };
  const element = h('section', { 'aria-labelledby': 'reading-title' }, h('h2', { id: 'reading-title' }, 'Reading the mailbox'), body);
  return { element, load };
}

const OUTCOMES = ['', 'created', 'noted', 'ignored', 'rejected', 'failed', 'left'] as const;

/** The chart's periods: how far back, in buckets of how many minutes (at most a few dozen bars). */
const PERIODS = [
  { value: '24h', label: 'last 24 hours, per hour', hours: 24, bucketMinutes: 60 },
  { value: '1h', label: 'last hour, per 5 minutes', hours: 1, bucketMinutes: 5 },
  { value: '7d', label: 'last 7 days, per 6 hours', hours: 24 * 7, bucketMinutes: 360 },
] as const;

/** Mails per outcome over time (GET stats?since=&bucketMinutes=), for a chosen period. */
function outcomeChartSection(id: string): { element: HTMLElement; load: () => Promise<void> } {
  const period = h('select', { id: 'chart-period' }, ...PERIODS.map((p) => h('option', { value: p.value }, p.label)));
  const body = h('div', { id: 'outcome-chart' }, loading('Loading the chart'));
  const load = async () => {
    const p = PERIODS.find((x) => x.value === period.value) ?? PERIODS[0];
    const since = new Date(Date.now() - p.hours * 3600_000).toISOString();
    try {
      const stats = await get<ChannelStatsView>(`channels/${encodeURIComponent(id)}/stats?since=${encodeURIComponent(since)}&bucketMinutes=${p.bucketMinutes}`);
      const label = (iso: string) => new Date(iso).toLocaleString(undefined, p.hours > 24 ? { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' } : { hour: '2-digit', minute: '2-digit' });
      replace(body, stats.series ? outcomeChart(stats.series, label) : messageBar('warning', 'This API answers no time series.'));
    } catch (err) {
      replace(body, errorBar(err));
    }
  };
  period.addEventListener('change', () => void load());
  const element = h('section', { 'aria-labelledby': 'chart-title', class: 'chart-section' },
    h('h2', { id: 'chart-title' }, 'Mails per outcome over time'),
    h('div', { class: 'filters' }, h('div', { class: 'field' }, h('label', { for: 'chart-period', class: 'label' }, 'Period'), period)),
    body);
  return { element, load };
}

/**
 * Monitoring: the channel's ledger (each mail's fate, reason, ticket, timings), filtered by
 * outcome (the API) and searched by sender or subject (in the page, over the listed page).
 */
export function monitoringView(id: string): View {
  const list = h('div', { id: 'ledger' }, loading('Loading the ledger'));
  const outcome = h('select', { id: 'outcome-filter' }, ...OUTCOMES.map((o) => h('option', { value: o }, o === '' ? 'any outcome' : o)));
  const search = h('input', { id: 'ledger-search', type: 'search', autocomplete: 'off' });
  let items: LedgerRecord[] = [];
  const show = () => {
    const q = search.value.trim().toLowerCase();
    const shown = q === '' ? items : items.filter((r) => (r.from ?? '').toLowerCase().includes(q) || (r.subject ?? '').toLowerCase().includes(q));
    if (shown.length === 0) {
      replace(list, h('p', null, items.length === 0 ? 'No mail yet.' : 'No mail matches the search.'));
      return;
    }
    replace(list, table('Mails of the channel', ['Received', 'From', 'Subject', 'Outcome', 'Reason', 'Ticket', 'Latency'], shown.map((r) => [
      when(r.timings.receivedAt ?? r.timings.firstAttemptAt),
      r.from ?? '—',
      link(r.subject || '(no subject)', href('channels', id, 'messages', r.id)),
      r.outcome ? badge(r.outcome) : badge('left', r.state),
      r.reasonCode ? `${r.reasonCode}${r.reason ? `: ${r.reason}` : ''}` : '',
      r.ticketId ? link(r.ticketId, href('tickets', r.ticketId)) : '—',
      r.timings.latencyMs !== undefined ? `${Math.round(r.timings.latencyMs)} ms` : '—',
    ])));
  };
  const load = async () => {
    replace(list, loading('Loading the ledger'));
    try {
      const res = await get<{ items: LedgerRecord[] }>(`channels/${encodeURIComponent(id)}/messages?limit=200${outcome.value ? `&outcome=${encodeURIComponent(outcome.value)}` : ''}`);
      items = res.items;
      show();
    } catch (err) {
      replace(list, errorBar(err));
    }
  };
  const title = h('p', { class: 'lead' });
  void get<ChannelView>(`channels/${encodeURIComponent(id)}`).then((c) => replace(title, `Channel "${c.name}"`)).catch(() => undefined);
  const chart = outcomeChartSection(id);
  const reading = readingSection(id);
  outcome.addEventListener('change', () => void load());
  search.addEventListener('input', show);
  void load();
  void chart.load();
  void reading.load();
  const refresh = () => {
    void load();
    void chart.load();
    void reading.load();
  };
  const element = h(
    'section',
    { 'aria-labelledby': 'page-title' },
    pageHeader('Monitoring', button('Refresh', refresh, { appearance: 'outline', id: 'refresh-ledger' }), button('Back to the channel', () => (location.hash = href('channels', id)), { appearance: 'subtle' })),
    title,
    reading.element,
    chart.element,
    h('h2', null, 'Ledger'),
    h('div', { class: 'filters' },
      h('div', { class: 'field' }, h('label', { for: 'outcome-filter', class: 'label' }, 'Outcome'), outcome),
      h('div', { class: 'field' }, h('label', { for: 'ledger-search', class: 'label' }, 'Search sender or subject'), search)),
    list,
  );
  return { element };
}

/** One mail of the ledger: its fate, timings, the stage trail, and Retry for a finished or failed mail. */
export function messageView(id: string, key: string): View {
  const element = h('section', { 'aria-labelledby': 'page-title' }, loading('Loading the mail'));
  const load = async () => {
    try {
      const r = await get<LedgerRecord>(`channels/${encodeURIComponent(id)}/messages/${encodeURIComponent(key)}`);
      const note = h('div', { 'aria-live': 'polite' });
      const retry = async () => {
        try {
          await call('POST', `channels/${encodeURIComponent(id)}/messages/${encodeURIComponent(key)}/retry`);
          replace(note, messageBar('success', 'Queued for another run. Refresh in a few seconds to see its new fate.'));
        } catch (err) {
          replace(note, errorBar(err));
        }
      };
      replace(
        element,
        pageHeader(r.subject || '(no subject)',
          button('Retry', () => void retry(), { appearance: 'primary', id: 'retry-message', disabled: r.state !== 'done' && r.outcome !== 'failed' }),
          button('Refresh', () => void load(), { appearance: 'outline' }),
          button('Back to monitoring', () => (location.hash = href('channels', id, 'messages')), { appearance: 'subtle' })),
        note,
        facts([
          ['From', r.from ?? ''],
          ['Outcome', r.outcome ? badge(r.outcome) : r.state],
          ['Reason', r.reasonCode ? `${r.reasonCode}${r.reason ? `: ${r.reason}` : ''}` : ''],
          ['Ticket', r.ticketId ? link(r.ticketId, href('tickets', r.ticketId)) : ''],
          ['Moved to', r.targetFolder ? `${r.targetFolder}${r.movedAt ? ` (${when(r.movedAt)})` : ''}` : ''],
          ['Message-ID', r.messageId ?? ''],
          ['Received', when(r.timings.receivedAt)],
          ['First attempt', when(r.timings.firstAttemptAt)],
          ['Done', when(r.timings.doneAt)],
          ['Attempts / retries', `${r.attempts} / ${r.retries}`],
          ['Last error', r.lastError ? `${r.lastError.code}: ${r.lastError.message}` : ''],
          ['Original mail', r.rawBlob ? downloadButton(`/api/channels/${encodeURIComponent(id)}/messages/${encodeURIComponent(key)}/raw`, 'mail.eml', 'Download .eml') : 'not stored'],
        ]),
        h('h2', null, 'Stage trail'),
        r.stages.length > 0 ? stageTrail(r.stages) : h('p', null, 'No stage has run yet.'),
      );
    } catch (err) {
      replace(element, errorBar(err));
    }
  };
  void load();
  return { element };
}
