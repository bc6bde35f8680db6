import { ApiError, call, type ApiIssue } from '../api';
import type { ConnectionTestResult, StageResult } from '../../../shared/admin/connection-test/result';
import { h, replace } from '../dom';
import { badge, errorBar, facts, loading, messageBar, table } from './common';

/**
 * "Test connection" in the channel editor: the stored channel (its stored secrets) when
 * nothing is edited, else the form's unsaved configuration (secrets typed in the form).
 * Shows every stage (DNS → TCP → TLS → authentication → mailbox → folders → send) with
 * what it saw and, for the stage that failed, what to do. A passing test fills the folder
 * pickers with the mailbox's folders.
 */
export interface ConnectionTestTarget {
  /** The stored channel's id, when the test may use the stored configuration. */
  storedId?: string;
  /** The form's configuration (for an unsaved test). */
  body: () => unknown;
  /** The API's 400 issues (e.g. a secret the unsaved test needs): shown on their fields. */
  onIssues: (issues: ApiIssue[], message: string) => void;
  /** The mailbox's folders, after a test that listed them. */
  onFolders: (folders: string[]) => void;
}

const STATUS_BADGE: Record<string, string> = { pass: 'created', fail: 'failed', skipped: 'ignored' };

export function connectionTestPanel(target: () => ConnectionTestTarget): { element: HTMLElement; run: () => Promise<void> } {
  const out = h('div', { id: 'connection-test-result', 'aria-live': 'polite' });
  const run = async () => {
    const t = target();
    replace(out, loading('Testing the connection'));
    try {
      const res = t.storedId
        ? await call<ConnectionTestResult>('POST', `channels/${encodeURIComponent(t.storedId)}/test-connection`)
        : await call<ConnectionTestResult>('POST', 'channels/test-connection', { json: t.body() });
      replace(out, render(res.data, Boolean(t.storedId)));
      const folders = res.data.stages.flatMap((s) => s.details.folders ?? []).map((f) => f.path);
      if (folders.length > 0) t.onFolders(folders);
    } catch (err) {
      if (err instanceof ApiError && err.issues.length > 0) {
        replace(out, messageBar('error', `The configuration cannot be tested yet: ${err.message}`));
        t.onIssues(err.issues, err.message);
        return;
      }
      replace(out, errorBar(err));
    }
  };
  return { element: out, run };
}

function render(r: ConnectionTestResult, stored: boolean): HTMLElement {
  const failed = r.stages.find((s) => s.status === 'fail');
  return h('div', { class: 'result' },
    h('h3', null, `Connection test: ${r.ok ? 'passed' : `failed at ${failed?.title ?? r.failedStage ?? 'a stage'}`}`),
    h('p', { class: 'hint' }, `${stored ? 'The saved configuration' : 'The configuration in the form (not saved)'}, tested ${new Date(r.testedAt).toLocaleString()} in ${r.ms} ms. No mail was sent.`),
    failed?.failure ? messageBar('error', h('strong', null, `${failed.title}: ${failed.failure.code}. `), failed.failure.message, h('br'), h('strong', null, 'What to do: '), failed.failure.whatToDo) : null,
    table('Connection test stages', ['Stage', 'Result', 'Time', 'What it saw'], r.stages.map((s) => [s.title, badge(STATUS_BADGE[s.status] ?? s.status, s.status), `${s.ms} ms`, details(s)])),
  );
}

function details(s: StageResult): HTMLElement {
  const d = s.details;
  const rows: [string, string][] = [];
  for (const t of d.targets ?? []) {
    if ('addresses' in t) rows.push([`${t.role} DNS`, `${t.host} → ${t.addresses.map((a) => `${a.address} (${a.class}${a.allowed ? '' : `, refused: ${a.reason ?? ''}`})`).join(', ') || 'no address'}`]);
    else if ('connected' in t) rows.push([`${t.role} TCP`, `${t.address}:${t.port} ${t.connected ? 'connected' : 'not connected'}`]);
    else {
      const c = t.certificate;
      rows.push([`${t.role} TLS`, `${t.mode}${t.protocol ? `, ${t.protocol}` : ''}, ${t.trusted ? 'trusted' : `not trusted${t.trustProblem ? `: ${t.trustProblem}` : ''}`}`]);
      if (c) rows.push(['Certificate', `subject ${c.subject}; issuer ${c.issuer}; valid to ${c.validTo}`]);
    }
  }
  if (d.mechanism) rows.push(['Signed in with', `${d.mechanism}${d.user ? ` as ${d.user}` : ''}`]);
  if (d.mailbox) rows.push(['Mailbox', d.mailbox]);
  if (d.folders) rows.push(['Folders', d.folders.map((f) => `${f.path}${f.messages !== undefined ? ` (${f.messages})` : ''}`).join(', ') + (d.foldersTruncated ? ', …' : '')]);
  if (d.configured) rows.push(['Channel folders', d.configured.map((f) => `${f.role} "${f.name}": ${f.exists ? 'exists' : 'missing'}${f.note ? ` (${f.note})` : ''}`).join('; ')]);
  if (d.server) rows.push(['Server', d.server]);
  if (d.verified) rows.push(['Verified', d.verified]);
  if (d.notVerified) rows.push(['Not verified', d.notVerified]);
  if (d.skippedBecause) rows.push(['Skipped because', d.skippedBecause]);
  return rows.length > 0 ? facts(rows) : h('span', null, '—');
}
