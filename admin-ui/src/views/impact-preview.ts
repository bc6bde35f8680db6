import { ApiError, call, type ApiIssue } from '../api';
import type { ImpactItem, ImpactPreview } from '../../../shared/admin/impact-preview';
import { impactHeadline, outcomeChangeLines, verdictText } from '../impact-summary';
import { h, replace } from '../dom';
import { badge, button, errorBar, loading, messageBar, table, when } from './common';

/**
 * The impact preview of a pending change: the channel's last N stored mails re-decided with
 * the edited configuration (POST /channels/{id}/impact-preview, nothing stored), the mails
 * whose outcome or reason would change, before → after, and a summary by from → to. Shown
 * by Save on a channel that has run (confirm or go back), and by "Preview impact" alone; how
 * far back (10, 50 or 200 mails) is the admin's choice.
 * Subjects and senders are mail content: text only.
 */
export const IMPACT_LIMIT = 50;
/** How far back the admin may look (the API takes up to 200; each mail is decided twice). */
const LIMITS = [10, 50, 200] as const;

export interface ImpactPanelOptions {
  channelId: string;
  patch: Record<string, unknown>;
  /** Save's confirmation; absent = a preview only (Close). */
  confirm?: { label: string; run: () => Promise<void> };
  onClose: () => void;
  /** The API refused the edited configuration (400): its issues go to the fields. */
  onIssues: (issues: ApiIssue[], message: string) => void;
}

export function impactPreviewPanel(opts: ImpactPanelOptions): HTMLElement {
  const heading = h('h2', { id: 'impact-title', tabindex: '-1' }, opts.confirm ? 'Before saving: the impact of this change' : 'Impact of this change');
  const body = h('div', { 'aria-live': 'polite' });
  const actions = h('div', { class: 'form-actions' });
  const limit = h('select', { id: 'impact-limit', onchange: () => void run() }, ...LIMITS.map((n) => h('option', { value: String(n) }, `the last ${n} mails`)));
  limit.value = String(IMPACT_LIMIT);
  const panel = h('section', { class: 'impact-preview', id: 'impact-preview', 'aria-labelledby': 'impact-title' },
    heading,
    h('div', { class: 'field' }, h('label', { for: 'impact-limit', class: 'label' }, 'Compare with'), limit),
    body,
    actions);
  const back = button(opts.confirm ? 'Back to editing' : 'Close', () => opts.onClose(), { appearance: opts.confirm ? 'outline' : 'primary', id: 'impact-back' });
  let sequence = 0;
  const run = async () => {
    const mine = ++sequence;
    replace(actions, back);
    replace(body, loading(`Re-running the last ${limit.value} stored mails`));
    try {
      const res = await call<ImpactPreview>('POST', `channels/${encodeURIComponent(opts.channelId)}/impact-preview?limit=${encodeURIComponent(limit.value)}`, { json: opts.patch });
      if (mine !== sequence) return;
      replace(body, report(res.data));
      if (opts.confirm) {
        const confirm = opts.confirm;
        const save = button(confirm.label, () => {
          save.setAttribute('disabled', '');
          void confirm.run().finally(() => save.removeAttribute('disabled'));
        }, { appearance: 'primary', id: 'impact-confirm' });
        replace(actions, save, back);
      }
    } catch (err) {
      if (mine !== sequence) return;
      if (err instanceof ApiError && err.issues.length > 0) {
        opts.onIssues(err.issues, err.message);
        replace(body, messageBar('error', 'The edited configuration is not valid: fix the marked fields first.'));
        return;
      }
      replace(body, errorBar(err));
    }
  };
  void run();
  queueMicrotask(() => heading.focus());
  return panel;
}

function report(p: ImpactPreview): HTMLElement {
  const changed = p.items.filter((i) => i.changed);
  const lines = outcomeChangeLines(p);
  return h('div', { class: 'impact-report' },
    messageBar(p.summary.changed > 0 ? 'warning' : 'info', impactHeadline(p)),
    lines.length ? [h('h3', null, 'Outcome changes'), h('ul', { class: 'impact-summary' }, ...lines.map((l) => h('li', null, l)))] : null,
    changed.length
      ? [
          h('h3', null, 'Mails decided differently'),
          table('Mails whose outcome or reason would change', ['Received', 'From', 'Subject', 'Now', 'After the change'], changed.map((i) => [
            when(i.receivedAt),
            i.from ?? '—',
            i.subject ?? '(no subject)',
            verdict(i.before),
            [verdict(i.after), i.after.reason ? h('div', { class: 'hint' }, i.after.reason) : null],
          ])),
        ]
      : null,
    p.summary.compared > changed.length ? h('p', { class: 'hint' }, `${p.summary.compared - changed.length} of the mails compared would be decided as they are now.`) : null,
    p.skipped.length ? h('p', { class: 'hint' }, `${p.skipped.length} stored ${p.skipped.length === 1 ? 'mail was' : 'mails were'} left out: ${p.skipped[0]?.reason ?? ''}.`) : null,
  );
}

function verdict(v: ImpactItem['before']): HTMLElement {
  return h('span', { class: 'verdict', title: verdictText(v) }, badge(v.outcome), v.reasonCode ? h('code', null, ` ${v.reasonCode}`) : null);
}
