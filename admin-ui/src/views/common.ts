import { ApiError } from '../api';
import { h, type Child } from '../dom';

/**
 * Small pieces every view uses, on Fluent UI web components. The components announce their
 * role through ElementInternals; the same role is written as an attribute too, for the tools
 * that read only the DOM (axe-core, Playwright's role queries, older screen readers).
 */
export interface View {
  element: HTMLElement;
  /** The unsaved-changes guard: false keeps the user on the view. */
  canLeave?: () => boolean;
}

export function button(label: string, onClick: () => void, opts: { appearance?: 'primary' | 'outline' | 'subtle'; id?: string; disabled?: boolean } = {}): HTMLElement {
  return h('fluent-button', { role: 'button', appearance: opts.appearance, id: opts.id, disabled: opts.disabled, 'aria-disabled': opts.disabled ? 'true' : undefined, type: 'button', onclick: () => onClick() }, label);
}

export function link(label: Child, hash: string): HTMLElement {
  return h('a', { href: hash, class: 'link' }, label);
}

const STATUS_COLOR: Record<string, string> = {
  published: 'success', draft: 'informative', paused: 'warning', needsReauthorization: 'danger',
  created: 'success', noted: 'brand', ignored: 'subtle', rejected: 'warning', failed: 'danger', left: 'informative',
  // a folder's change notifications (shared/notifications/status.ts); `failed` as above
  active: 'success', expired: 'danger', outdated: 'warning', creating: 'informative', missing: 'warning',
};

export function badge(value: string, label = value): HTMLElement {
  return h('fluent-badge', { appearance: 'tint', color: STATUS_COLOR[value] ?? 'informative' }, label);
}

export function messageBar(intent: 'info' | 'success' | 'warning' | 'error', ...text: Child[]): HTMLElement {
  return h('fluent-message-bar', { intent, role: intent === 'error' ? 'alert' : 'status' }, ...text);
}

export function errorBar(err: unknown): HTMLElement {
  const msg = err instanceof ApiError ? `${err.message} (${err.status} ${err.code})` : err instanceof Error ? err.message : String(err);
  return messageBar('error', msg);
}

export function loading(label = 'Loading'): HTMLElement {
  return h('div', { class: 'loading' }, h('fluent-spinner', { size: 'small', 'aria-label': label }), ' ', label, '…');
}

export function when(iso: string | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'medium' });
}

export function pageHeader(title: string, ...actions: Child[]): HTMLElement {
  return h('div', { class: 'page-header' }, h('h1', { id: 'page-title', tabindex: '-1' }, title), h('div', { class: 'actions' }, ...actions));
}

/** A definition list of label → value (values as text). */
export function facts(rows: [string, Child][]): HTMLElement {
  return h('dl', { class: 'facts' }, ...rows.flatMap(([k, v]) => [h('dt', null, k), h('dd', null, v === undefined || v === '' ? '—' : v)]));
}

export function table(caption: string, head: string[], rows: Child[][]): HTMLElement {
  return h(
    'table',
    { class: 'grid' },
    h('caption', { class: 'visually-hidden' }, caption),
    h('thead', null, h('tr', null, ...head.map((c) => h('th', { scope: 'col' }, c)))),
    h('tbody', null, ...rows.map((r) => h('tr', null, ...r.map((c) => h('td', null, c))))),
  );
}
