import { ApiError, call, get, type ApiIssue } from '../api';
import type { DryRunAnswer } from '../../../shared/admin/dry-run-operation';
import type { FieldMappingPreviewRow } from '../../../shared/admin/dry-run-request';
import { emptyRow, MAIL_PROPERTIES, rowOfIssue, rowsFromJson, rowsToJson, SOURCE_KINDS, type MappingRow, type RowPart, type SourceKind } from '../field-mapping-rows';
import { h, replace, type Child } from '../dom';
import { badge, button, errorBar, loading, messageBar } from './common';

/**
 * Ticket Mapping's field mapping: one row per ticket field (source, pattern, group, default)
 * instead of JSON, and a live preview of what each row makes of a sample mail — a stored mail
 * of the channel, or one pasted or uploaded — from the dry run with the unsaved configuration
 * as a patch (debounced; nothing is stored). The API's 400 issues appear at the row and input
 * they name (a lookbehind pattern: RE2's refusal, at the pattern).
 */
export interface TemplateFieldInfo {
  name: string;
  label?: string;
  type?: string;
  required?: boolean;
}

export interface FieldMappingEditorOptions {
  channelId?: string;
  json: string;
  templateFields: () => readonly TemplateFieldInfo[];
  /** The mapping changed: the form keeps it as JSON text. */
  onChange: (json: string) => void;
  /** The whole edited configuration, sent as the dry run's patch. */
  patch: () => { body: Record<string, unknown>; issues: ApiIssue[] };
}

export interface FieldMappingEditor {
  element: HTMLElement;
  /** Issues from a save (or the preview) shown at their rows. */
  setIssues: (issues: readonly ApiIssue[]) => void;
  /** The template may have changed: refresh the field names offered. */
  refresh: () => void;
  /** Something else in the form changed: the preview runs again. */
  schedulePreview: () => void;
}

const DEBOUNCE_MS = 400;
/** The JSON body takes at most 256 KiB; base64 makes a file a third larger. */
const MAX_UPLOAD_BYTES = 180 * 1024;

interface StoredMailItem {
  id: string;
  subject?: string;
  from?: string;
  rawBlob?: string;
}

export function fieldMappingEditor(opts: FieldMappingEditorOptions): FieldMappingEditor {
  const rows: MappingRow[] = rowsFromJson(opts.json) ?? [];
  let issues: readonly ApiIssue[] = [];
  let previewRows: FieldMappingPreviewRow[] | undefined;
  const fieldList = h('datalist', { id: 'fm-template-fields' });
  const rowsHost = h('div', { class: 'mapping-rows' });
  const changed = () => {
    opts.onChange(rowsToJson(rows));
    schedulePreview();
  };

  const renderRows = () => {
    // Issues arrive while the admin types: the input they were in keeps focus and caret.
    const active = document.activeElement instanceof HTMLInputElement && rowsHost.contains(document.activeElement) ? document.activeElement : undefined;
    const caret = active ? [active.id, active.selectionStart, active.selectionEnd] as const : undefined;
    replace(rowsHost, rows.length === 0 ? h('p', { class: 'hint' }, 'No field mapping: tickets get only the standard fields (title, description, requester, priority).') : null, ...rows.map((r, i) => rowElement(r, i)));
    if (caret) {
      const again = document.getElementById(caret[0]);
      if (again instanceof HTMLInputElement) {
        again.focus();
        again.setSelectionRange(caret[1], caret[2]);
      }
    }
  };

  const rowElement = (row: MappingRow, i: number): HTMLElement => {
    const id = (part: string) => `fm-${i}-${part}`;
    const rowIssues = issues.map((x) => ({ at: rowOfIssue(x.path), message: x.message })).filter((x) => x.at?.index === i);
    const issuesOf = (part: RowPart) => rowIssues.filter((x) => x.at?.part === part).map((x) => x.message);
    const input = (part: keyof MappingRow & RowPart, label: string, attrs: Record<string, string> = {}) => {
      const errs = issuesOf(part);
      const el = h('input', { id: id(part), type: 'text', autocomplete: 'off', spellcheck: 'false', 'aria-invalid': errs.length ? 'true' : undefined, 'aria-describedby': errs.length ? id(`${part}-error`) : undefined, ...attrs, oninput: (e: Event) => { row[part] = (e.target as HTMLInputElement).value as never; changed(); } });
      el.value = String(row[part]);
      return cell(part, label, el, errs);
    };
    const select = (part: keyof MappingRow & RowPart | 'kind', label: string, options: readonly { value: string; label: string }[], rerender = false) => {
      const errs = part === 'kind' ? [] : issuesOf(part);
      const el = h('select', { id: id(part), 'aria-invalid': errs.length ? 'true' : undefined, onchange: (e: Event) => {
        row[part] = (e.target as HTMLSelectElement).value as never;
        changed();
        if (rerender) { renderRows(); (document.getElementById(id(part)) as HTMLElement | null)?.focus(); }
      } }, ...options.map((o) => h('option', { value: o.value }, o.label)));
      el.value = String(row[part]);
      return cell(part, label, el, errs);
    };
    const cell = (part: string, label: string, control: HTMLElement, errs: string[]) =>
      h('div', { class: `field${errs.length ? ' invalid' : ''}` }, h('label', { for: id(part), class: 'label' }, label), control, errs.length ? h('div', { class: 'field-error', id: id(`${part}-error`) }, errs.join('; ')) : null);
    const kind = row.kind as SourceKind;
    const rowLevel = issuesOf('row');
    return h('fieldset', { class: 'mapping-row', id: id('row') },
      h('legend', null, `Row ${i + 1}${row.field ? `: ${row.field}` : ''}`),
      h('div', { class: 'mapping-inputs' },
        input('field', 'Ticket field', { list: 'fm-template-fields' }),
        select('kind', 'Source', SOURCE_KINDS.map((k) => ({ value: k.kind, label: k.label })), true),
        kind === 'mail' ? select('property', 'Mail property', MAIL_PROPERTIES.map((p) => ({ value: p, label: p }))) : null,
        kind === 'header' ? input('header', 'Header name') : null,
        kind === 'regex' ? [
          select('on', 'Match in', [{ value: 'subject', label: 'subject' }, { value: 'body', label: 'body (text)' }]),
          input('pattern', 'Pattern (RE2 syntax)', { class: 'pattern' }),
          input('flags', 'Flags', { size: '4' }),
          input('group', 'Capture group (number or name)', { size: '8' }),
        ] : null,
        input('default', 'Default (when the mail gives none)'),
      ),
      rowLevel.length ? h('div', { class: 'field-error' }, rowLevel.join('; ')) : null,
      h('div', { class: 'mapping-row-foot' },
        h('output', { class: 'row-preview', id: id('preview'), for: id('pattern') }, previewOf(previewRows?.find((p) => p.index === i))),
        button('Remove row', () => { rows.splice(i, 1); issues = []; changed(); renderRows(); }, { appearance: 'subtle', id: id('remove') }),
      ),
    );
  };

  // ---- the sample mail and the live preview
  const status = h('div', { class: 'mapping-preview-status', id: 'fm-preview-status', 'aria-live': 'polite' });
  const sample = h('select', { id: 'fm-sample', onchange: () => schedulePreview(0) }, h('option', { value: '' }, '(no sample mail)'), h('option', { value: 'paste' }, 'The mail pasted or uploaded below'));
  const text = h('textarea', { id: 'fm-sample-text', rows: 5, spellcheck: 'false', oninput: () => { sample.value = 'paste'; uploaded = undefined; schedulePreview(); } });
  const file = h('input', { id: 'fm-sample-file', type: 'file', accept: '.eml,message/rfc822', onchange: () => void readUpload() });
  let uploaded: string | undefined;
  const readUpload = async () => {
    const chosen = file.files?.[0];
    if (!chosen) return;
    if (chosen.size > MAX_UPLOAD_BYTES) {
      replace(status, messageBar('warning', `This file has ${Math.round(chosen.size / 1024)} KB; the live preview takes mails up to ${MAX_UPLOAD_BYTES / 1024} KB. Use "Test with sample email" for larger ones.`));
      return;
    }
    const bytes = new Uint8Array(await chosen.arrayBuffer());
    let binary = '';
    for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
    uploaded = btoa(binary);
    sample.value = 'paste';
    schedulePreview(0);
  };

  let timer: ReturnType<typeof setTimeout> | undefined;
  let sequence = 0;
  const schedulePreview = (delay = DEBOUNCE_MS) => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => void runPreview(), delay);
  };

  const mailOfSample = (): Record<string, string> | undefined => {
    if (sample.value === '') return undefined;
    if (sample.value === 'paste') return uploaded !== undefined ? { base64: uploaded } : text.value.trim() !== '' ? { text: text.value } : undefined;
    return { storedKey: sample.value };
  };

  const runPreview = async () => {
    const mine = ++sequence;
    const mail = mailOfSample();
    if (!opts.channelId) return replace(status, messageBar('info', 'Save the channel first: the preview runs the dry run of a saved channel, with your unsaved changes.'));
    if (!mail) {
      previewRows = undefined;
      updatePreviews();
      return replace(status, h('p', { class: 'hint' }, 'Choose a stored mail, or paste or upload one, to see what each row makes of it.'));
    }
    const { body, issues: local } = opts.patch();
    if (local.length > 0) return replace(status, messageBar('warning', ...local.map((i) => h('div', null, `${i.path}: ${i.message}`))));
    replace(status, loading('Running the preview'));
    try {
      const res = await call<DryRunAnswer>('POST', `channels/${encodeURIComponent(opts.channelId)}/dry-run`, { json: { mail, patch: body } });
      if (mine !== sequence) return;
      previewRows = res.data.fieldMapping;
      if (issues.length > 0) { issues = []; renderRows(); } else updatePreviews();
      replace(status, outcomeLine(res.data));
    } catch (err) {
      if (mine !== sequence) return;
      previewRows = undefined;
      if (err instanceof ApiError && err.issues.length > 0) {
        issues = err.issues;
        renderRows();
        const elsewhere = err.issues.filter((i) => !rowOfIssue(i.path));
        replace(status, messageBar('error', rows.length && elsewhere.length < err.issues.length ? 'A row of the mapping has a problem (shown at the row).' : 'The configuration has a problem.', ...elsewhere.map((i) => h('div', null, `${i.path || '(channel)'}: ${i.message}`))));
        return;
      }
      updatePreviews();
      replace(status, errorBar(err));
    }
  };

  const updatePreviews = () => {
    rows.forEach((_, i) => {
      const out = document.getElementById(`fm-${i}-preview`);
      if (out) replace(out, previewOf(previewRows?.find((p) => p.index === i)));
    });
  };

  const refresh = () => {
    replace(fieldList, ...opts.templateFields().map((f) => h('option', { value: f.name }, `${f.label ?? f.name}${f.type ? ` (${f.type}${f.required ? ', required' : ''})` : ''}`)));
  };

  if (opts.channelId) {
    // The channel's recent mails whose original is stored: the handiest samples.
    void get<{ items: StoredMailItem[] }>(`channels/${encodeURIComponent(opts.channelId)}/messages?limit=20`)
      .then((r) => {
        for (const m of r.items.filter((x) => x.rawBlob)) sample.append(h('option', { value: m.id }, `${m.subject || '(no subject)'} — ${m.from ?? ''}`));
      })
      .catch(() => undefined);
  }

  refresh();
  renderRows();
  const element = h('div', { class: 'field-mapping', id: 'field-mapping' },
    h('h2', { class: 'section-title' }, 'Field mapping'),
    h('p', { class: 'hint' }, 'Each row fills one field of the template from the mail. Patterns use RE2 syntax (linear time): no lookarounds or backreferences.'),
    fieldList,
    rowsHost,
    h('div', { class: 'form-actions' }, button('Add row', () => { rows.push(emptyRow()); changed(); renderRows(); (document.getElementById(`fm-${rows.length - 1}-field`) as HTMLElement | null)?.focus(); }, { appearance: 'outline', id: 'fm-add-row' })),
    h('section', { class: 'mapping-preview', 'aria-labelledby': 'fm-preview-title' },
      h('h3', { id: 'fm-preview-title' }, 'Live preview on a sample mail'),
      // A new channel has no dry run yet: only the hint says so.
      opts.channelId ? [
        h('div', { class: 'field' }, h('label', { for: 'fm-sample', class: 'label' }, 'Sample mail'), sample),
        h('div', { class: 'field' }, h('label', { for: 'fm-sample-file', class: 'label' }, 'Upload an .eml file'), file),
        h('div', { class: 'field' }, h('label', { for: 'fm-sample-text', class: 'label' }, 'or paste the raw mail'), text),
      ] : null,
      status,
    ),
  );
  replace(status, h('p', { class: 'hint' }, opts.channelId ? 'Choose a stored mail, or paste or upload one, to see what each row makes of it.' : 'Save the channel first: the preview runs the dry run of a saved channel, with your unsaved changes.'));
  return {
    element,
    setIssues: (found) => { issues = found; renderRows(); },
    refresh,
    schedulePreview: () => { if (mailOfSample()) schedulePreview(); },
  };
}

/** One row's value on the sample, as text (mail content is never markup). */
function previewOf(p: FieldMappingPreviewRow | undefined): Child {
  if (!p) return h('span', { class: 'hint' }, 'Preview: —');
  switch (p.status) {
    case 'value':
      return [
        'Preview: ', h('strong', { class: 'preview-value' }, String(p.value)),
        p.defaultUsed ? ' (the default)' : null,
        p.captured !== undefined && p.captured !== String(p.value) ? [' — captured ', h('q', null, p.captured)] : null,
        p.message ? h('span', { class: 'hint' }, ` ${p.message}`) : null,
      ];
    case 'empty':
      return h('span', { class: 'hint' }, `Preview: no value (${p.message ?? 'nothing found'})`);
    default:
      return h('span', { class: 'error-text' }, `Preview: ${p.message ?? p.status}`);
  }
}

function outcomeLine(r: DryRunAnswer): HTMLElement {
  const reason = 'reason' in r.decision && r.decision.reason ? ` — ${String(r.decision.reason)}` : '';
  return h('p', { class: 'mapping-outcome' },
    'With these settings the sample ', r.mail?.subject ? ['(', h('q', null, r.mail.subject), ') '] : null, 'would be ', badge(r.outcome), `${'code' in r.decision && r.decision.code ? ` ${r.decision.code}` : ''}${reason}.`);
}
