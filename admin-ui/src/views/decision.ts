import type { StageRecord } from '../../../shared/pipeline/decision';
import { h } from '../dom';
import { badge, table } from './common';

/** A mail's stage trail: each stage's verdict, code and reason (as text). */
export function stageTrail(stages: readonly StageRecord[], caption = 'Stage trail'): HTMLElement {
  return table(caption, ['Stage', 'Verdict', 'Code', 'Reason'], stages.map((s) => {
    const r = s.result as { verdict: string; code?: string; reason?: string; note?: string };
    return [s.stage, badge(r.verdict === 'continue' ? 'created' : r.verdict === 'reject' ? 'rejected' : r.verdict === 'ignore' ? 'ignored' : 'left', r.verdict), r.code ?? '', r.reason ?? r.note ?? ''];
  }));
}

/** Names and addresses as text. */
export function person(p: { name?: string; email?: string; address?: string } | undefined): string {
  if (!p) return '—';
  const addr = p.email ?? p.address ?? '';
  return p.name ? `${p.name} <${addr}>` : addr;
}

export function people(list: readonly { name?: string; email?: string; address?: string }[] | undefined): string {
  return list && list.length > 0 ? list.map(person).join(', ') : '—';
}

export function fieldsList(fields: Record<string, unknown> | undefined): HTMLElement {
  const entries = Object.entries(fields ?? {});
  if (entries.length === 0) return h('p', null, 'No mapped fields.');
  return h('dl', { class: 'facts' }, ...entries.flatMap(([k, v]) => [h('dt', null, k), h('dd', null, typeof v === 'string' ? v : JSON.stringify(v))]));
}
