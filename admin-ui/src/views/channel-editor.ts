import { ApiError, call, get, type ApiIssue } from '../api';
import type { ChannelView } from '../../../shared/config/channel';
import { FIELDS, TABS, changed, fieldOfIssue, issueText, formFromView, inputFromForm, mergePatchFromForm, secretsSet, tabOfIssue, type FieldDef, type FormValues, type TabId } from '../channel-form';
import { h, replace, uid } from '../dom';
import { href } from '../router';
import { badge, button, errorBar, loading, messageBar, pageHeader, type View } from './common';
import { connectionTestPanel } from './connection-test';
import { publishControls } from './publish';
import { fieldMappingEditor, type TemplateFieldInfo } from './field-mapping';
import { impactPreviewPanel } from './impact-preview';

/** Text fields that name a mailbox folder: after a connection test, they offer the mailbox's folders. */
const FOLDER_PICKERS = new Set(['folders.success', 'folders.fail', 'folders.exclusion']);

interface TemplateSummary {
  id: string;
  name?: string;
  fields?: TemplateFieldInfo[];
}

/** The form value holding the field mapping (as JSON), which the row editor edits. */
const MAPPING_PATH = 'ticketMapping.fields';

/**
 * The channel editor with the seed's tabs (Connection, Folder Mapping, Domain Settings,
 * Ticket Mapping). Saves with POST for a new channel, and for an existing one with a merge
 * patch under If-Match (what the form shows, cleared values removed; settings the form does
 * not show, such as threading and answers, stay as they are); the API's 400 issues appear on the fields they name and the first tab with
 * an issue opens. Secrets show only as "set", with a Replace action. The template is locked
 * once the channel was published, with the reason. Leaving with unsaved changes asks first.
 * The field mapping is edited in rows with a live preview (field-mapping.ts). Saving a
 * channel that has run shows first which of its stored mails the change would decide
 * differently (impact-preview.ts), to confirm or go back; "Preview impact" shows it alone.
 */
export function channelEditorView(id: string | undefined, tab?: string): View {
  const element = h('section', { 'aria-labelledby': 'page-title' }, loading('Loading channel'));
  const state: { initial: FormValues; values: FormValues; dirty: boolean } = { initial: {}, values: {}, dirty: false };
  void (async () => {
    try {
      const [view, templates] = await Promise.all([
        id ? call<ChannelView>('GET', `channels/${encodeURIComponent(id)}`) : Promise.resolve(undefined),
        get<{ items: TemplateSummary[] }>('templates').then((r) => r.items).catch(() => [] as TemplateSummary[]),
      ]);
      render(element, state, view ? { ...view.data, etag: view.etag ?? view.data.etag } : undefined, templates, (TABS.find((t) => t.id === tab)?.id ?? 'connection'));
    } catch (err) {
      replace(element, errorBar(err));
    }
  })();
  return {
    element,
    canLeave: () => !state.dirty || confirm('This channel has unsaved changes. Leave and discard them?'),
  };
}

function render(root: HTMLElement, state: { initial: FormValues; values: FormValues; dirty: boolean }, view: ChannelView | undefined, templates: TemplateSummary[], firstTab: TabId): void {
  state.initial = formFromView(view);
  state.values = { ...state.initial };
  state.dirty = false;
  const setSecrets = secretsSet(view);
  const replacing = new Set<string>();
  const status = h('div', { class: 'form-status', 'aria-live': 'polite' });
  const panels = new Map<TabId, HTMLElement>();
  const tabs = new Map<TabId, HTMLElement>();
  let issues: ApiIssue[] = [];

  const tablist = h('fluent-tablist', { role: 'tablist', 'aria-label': 'Channel configuration', activeid: `tab-${firstTab}` });
  for (const t of TABS) {
    const tabEl = h('fluent-tab', { role: 'tab', id: `tab-${t.id}`, 'aria-controls': `panel-${t.id}` }, t.label);
    tabs.set(t.id, tabEl);
    tablist.append(tabEl);
    panels.set(t.id, h('div', { id: `panel-${t.id}`, role: 'tabpanel', 'aria-labelledby': `tab-${t.id}`, class: 'tab-panel', hidden: t.id !== firstTab }));
  }

  const renderFields = () => {
    for (const t of TABS) {
      const panel = panels.get(t.id) as HTMLElement;
      const shown = FIELDS.filter((f) => f.tab === t.id && (!f.when || f.when(state.values)));
      // Consecutive fields of one group go in a fieldset with the group as its legend.
      const blocks: HTMLElement[] = [];
      let group: { name?: string; el: HTMLElement } | undefined;
      for (const f of shown) {
        if (!f.group) { blocks.push(fieldHost(f)); group = undefined; continue; }
        if (group?.name !== f.group) {
          group = { name: f.group, el: h('fieldset', { class: 'group' }, h('legend', null, f.group)) };
          blocks.push(group.el);
        }
        group.el.append(fieldHost(f));
      }
      replace(panel, ...blocks);
      if (t.id === 'ticket' && view?.publishedAt) {
        panel.prepend(messageBar('info', `The template is locked: the channel was first published on ${new Date(view.publishedAt).toLocaleString()}, and its tickets and silent offer belong to template "${view.ticketMapping.templateId}". Create a new channel for another template.`));
      }
    }
    for (const t of TABS) {
      const count = issues.filter((i) => tabOfIssue(i.path) === t.id).length;
      const tabEl = tabs.get(t.id) as HTMLElement;
      replace(tabEl, t.label, count > 0 ? h('span', { class: 'tab-issues' }, ` (${count} ${count === 1 ? 'problem' : 'problems'})`) : null);
    }
  };

  const fieldHost = (f: FieldDef): HTMLElement => {
    if (f.path === MAPPING_PATH) {
      mappingEditor.refresh();
      mappingEditor.setIssues(issues.filter((i) => fieldOfIssue(i.path)?.path === MAPPING_PATH));
      return mappingEditor.element;
    }
    const inputId = `field-${f.path.replace(/\./g, '-')}`;
    const msgId = uid('msg');
    const hintId = f.hint ? uid('hint') : undefined;
    const fieldIssues = issues.filter((i) => fieldOfIssue(i.path)?.path === f.path);
    const describedBy = [hintId, fieldIssues.length > 0 ? msgId : undefined].filter(Boolean).join(' ') || undefined;
    const common = { id: inputId, name: f.path, 'aria-describedby': describedBy, 'aria-invalid': fieldIssues.length > 0 ? 'true' : undefined };
    const onInput = (e: Event) => {
      const t = e.target as HTMLInputElement;
      state.values[f.path] = t.type === 'checkbox' ? t.checked : t.value;
      state.dirty = changed(state.initial, state.values);
      staleImpact();
      mappingEditor.schedulePreview();
      if (f.kind === 'select' || f.kind === 'checkbox') {
        renderFields();
        (document.getElementById(inputId) as HTMLElement | null)?.focus();
      }
    };
    let control: HTMLElement;
    const value = state.values[f.path];
    const locked = f.path === 'ticketMapping.templateId' && Boolean(view?.publishedAt);
    if (f.kind === 'checkbox') {
      control = h('input', { ...common, type: 'checkbox', checked: value === true, onchange: onInput });
    } else if (f.kind === 'select') {
      const options = f.path === 'ticketMapping.templateId' ? ['', ...templates.map((t) => t.id)] : [...(f.options ?? [])];
      const sel = h('select', { ...common, onchange: onInput, disabled: locked, 'aria-disabled': locked ? 'true' : undefined },
        ...options.map((o) => h('option', { value: o }, o === '' ? '(choose a template)' : (templates.find((t) => t.id === o)?.name ? `${templates.find((t) => t.id === o)?.name} (${o})` : o))));
      sel.value = String(value ?? '');
      control = sel;
    } else if (f.kind === 'list' || f.kind === 'json' || f.kind === 'textarea') {
      const ta = h('textarea', { ...common, rows: f.kind === 'json' ? 8 : 3, spellcheck: 'false', oninput: onInput });
      ta.value = String(value ?? '');
      control = ta;
    } else if (f.kind === 'secret' && setSecrets[f.path] && !replacing.has(f.path)) {
      control = h('span', { class: 'secret-set', id: inputId },
        badge('set', 'set'), ' ',
        button('Replace', () => { replacing.add(f.path); renderFields(); (document.getElementById(inputId) as HTMLElement | null)?.focus(); }, { appearance: 'outline', id: `${inputId}-replace` }));
    } else {
      const input = h('input', { ...common, list: FOLDER_PICKERS.has(f.path) && mailboxFolders.length > 0 ? 'mailbox-folders' : undefined, type: f.kind === 'secret' ? 'password' : f.kind === 'number' ? 'text' : 'text', inputmode: f.kind === 'number' ? 'numeric' : undefined, autocomplete: f.kind === 'secret' ? 'new-password' : 'off', oninput: onInput });
      input.value = String(value ?? '');
      control = input;
    }
    const label = f.kind === 'secret' && setSecrets[f.path] && !replacing.has(f.path)
      ? h('span', { class: 'label', id: `${inputId}-label` }, f.label)
      : h('label', { for: inputId, class: 'label' }, f.label);
    return h('div', { class: `field field-${f.kind}${fieldIssues.length ? ' invalid' : ''}`, 'data-path': f.path },
      f.kind === 'checkbox' ? h('div', { class: 'check' }, control, label) : [label, control],
      f.hint ? h('div', { class: 'hint', id: hintId }, f.hint) : null,
      fieldIssues.length > 0 ? h('div', { class: 'field-error', id: msgId }, fieldIssues.map((i) => issueText(i)).join('; ')) : null);
  };

  const mappingEditor = fieldMappingEditor({
    channelId: view?.id,
    json: String(state.values[MAPPING_PATH] ?? '[]'),
    templateFields: () => templates.find((t) => t.id === state.values['ticketMapping.templateId'])?.fields ?? [],
    onChange: (json) => {
      state.values[MAPPING_PATH] = json;
      state.dirty = changed(state.initial, state.values);
      staleImpact();
    },
    patch: () => formPatch(),
  });

  /** The form as the merge patch Save sends (the previews judge exactly what Save would store). */
  const formPatch = () => {
    const { body, issues: local } = inputFromForm(state.values);
    return { body: view ? mergePatchFromForm(body, view) : body, issues: local };
  };

  const impactHost = h('div', { class: 'impact-host' });
  // A preview shown is of the form as it was: an edit takes it away, so "Save this change" never saves what was not previewed.
  const staleImpact = () => impactHost.replaceChildren();
  const closeImpact = () => {
    replace(impactHost);
    (document.getElementById('save-channel') as HTMLElement | null)?.focus();
  };
  /** The impact preview of the form as it is; with `confirmSave`, Save's confirmation step. */
  const showImpact = (confirmSave: boolean) => {
    if (!view) return;
    const { body, issues: local } = formPatch();
    issues = local;
    if (local.length > 0) return showIssues('Fix the marked fields.');
    replace(impactHost, impactPreviewPanel({
      channelId: view.id,
      patch: body,
      ...(confirmSave ? { confirm: { label: 'Save this change', run: () => store() } } : {}),
      onClose: closeImpact,
      onIssues: (found, message) => {
        issues = found;
        replace(impactHost);
        showIssues(message);
      },
    }));
  };

  const save = async () => {
    // A channel that has run has stored mail the change may decide differently: show that first.
    if (view && view.status !== 'draft') return showImpact(true);
    await store();
  };

  const store = async () => {
    const { body, issues: local } = formPatch();
    issues = local;
    if (local.length > 0) return showIssues('Fix the marked fields.');
    replace(impactHost);
    replace(status, loading('Saving'));
    try {
      // An existing channel is saved as a merge patch: settings the form does not show (threading, answers) stay as they are.
      const res = view
        ? await call<ChannelView>('PATCH', `channels/${encodeURIComponent(view.id)}`, { json: body, contentType: 'application/merge-patch+json', ifMatch: view.etag })
        : await call<ChannelView>('POST', 'channels', { json: body });
      state.dirty = false;
      issues = [];
      if (!view) {
        location.hash = href('channels', res.data.id);
        return;
      }
      render(root, state, { ...res.data, etag: res.etag ?? res.data.etag }, templates, activeTab());
      const s = root.querySelector('.form-status');
      if (s) replace(s, messageBar('success', 'Saved.'));
    } catch (err) {
      if (err instanceof ApiError && err.issues.length > 0) {
        issues = err.issues;
        return showIssues(err.message);
      }
      replace(status, errorBar(err));
    }
  };

  const showIssues = (message: string) => {
    renderFields();
    const unplaced = issues.filter((i) => !fieldOfIssue(i.path) || (fieldOfIssue(i.path)?.when && !fieldOfIssue(i.path)?.when?.(state.values)));
    replace(status, messageBar('error', message, ...unplaced.map((i) => h('div', null, `${i.path || '(channel)'}: ${issueText(i)}`))));
    const first = issues[0];
    if (first) {
      const t = tabOfIssue(first.path);
      tablist.setAttribute('activeid', `tab-${t}`);
      for (const [id, p] of panels) p.hidden = id !== t;
      const f = fieldOfIssue(first.path);
      if (f) (document.getElementById(`field-${f.path.replace(/\./g, '-')}`) as HTMLElement | null)?.focus();
    }
  };

  const folderList = h('datalist', { id: 'mailbox-folders' });
  let mailboxFolders: string[] = [];
  const connectionTest = connectionTestPanel(() => ({
    // The stored configuration is tested unless the connection itself was edited (an unsaved test needs its secrets typed).
    storedId: view && !FIELDS.some((f) => f.path.startsWith('connection.') && (state.values[f.path] ?? '') !== (state.initial[f.path] ?? '')) ? view.id : undefined,
    body: () => inputFromForm(state.values).body,
    onIssues: (found, message) => {
      issues = found;
      showIssues(message);
    },
    onFolders: (folders) => {
      mailboxFolders = folders;
      replace(folderList, ...folders.map((f) => h('option', { value: f })));
      renderFields();
    },
  }));

  const activeTab = (): TabId => (TABS.find((t) => tablist.getAttribute('activeid') === `tab-${t.id}`)?.id ?? 'connection');

  renderFields();
  const title = view ? view.name : 'New channel';
  replace(
    root,
    pageHeader(
      title,
      view ? badge(view.status) : null,
      view ? button('Test with sample email', () => (location.hash = href('channels', view.id, 'test')), { appearance: 'outline' }) : null,
      view ? button('Monitoring', () => (location.hash = href('channels', view.id, 'messages')), { appearance: 'outline' }) : null,
      view ? publishControls(view, () => { location.hash = href('channels', view.id); window.dispatchEvent(new HashChangeEvent('hashchange')); }) : null,
    ),
    h('form', { class: 'channel-form', novalidate: true, onsubmit: (e: Event) => { e.preventDefault(); void save(); } },
      tablist,
      ...TABS.map((t) => panels.get(t.id) as HTMLElement),
      folderList,
      h('div', { class: 'form-actions' },
        h('fluent-button', { role: 'button', appearance: 'primary', type: 'submit', id: 'save-channel' }, view ? 'Save' : 'Create channel'),
        view ? button('Preview impact', () => showImpact(false), { appearance: 'outline', id: 'preview-impact' }) : null,
        button('Test connection', () => void connectionTest.run(), { appearance: 'outline', id: 'test-connection' }),
        button('Cancel', () => (location.hash = view ? href('channels', view.id) : href('channels'))),
      ),
      impactHost,
      status,
      connectionTest.element,
    ),
  );
}
