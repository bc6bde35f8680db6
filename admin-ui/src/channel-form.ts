import type { ChannelInput, ChannelView } from '../../shared/config/channel';

/**
 * The channel editor's form, as data: which field sits on which of the seed's tabs, how a
 * channel (ChannelView) becomes form values and form values become the body the API
 * validates (ChannelInput). Pure (no DOM), so the rules are unit-tested; the API stays the
 * judge of validity: the form sends what was typed, and shows the API's 400 issues on the
 * fields they name.
 */
export const TABS = [
  { id: 'connection', label: 'Connection' },
  { id: 'folders', label: 'Folder Mapping' },
  { id: 'domains', label: 'Domain Settings' },
  { id: 'ticket', label: 'Ticket Mapping' },
] as const;
export type TabId = (typeof TABS)[number]['id'];

export type FieldKind = 'text' | 'number' | 'select' | 'checkbox' | 'secret' | 'list' | 'json' | 'textarea';

export interface FieldDef {
  /** Dotted path in ChannelInput (the API's issue paths use the same). */
  path: string;
  label: string;
  tab: TabId;
  kind: FieldKind;
  options?: readonly string[];
  hint?: string;
  /** Heading of the group the field is shown in (consecutive fields of one group form a fieldset). */
  group?: string;
  /** Shown only when this holds for the current values. */
  when?: (v: FormValues) => boolean;
}

export type FormValues = Record<string, string | boolean>;

const isImap = (v: FormValues) => v['connection.protocol'] === 'imap';
const authIs = (t: string) => (v: FormValues) => v['connection.auth.type'] === t;
const oauth = authIs('oauth');

export const FIELDS: readonly FieldDef[] = [
  { path: 'name', group: 'General', label: 'Name', tab: 'connection', kind: 'text' },
  { path: 'description', group: 'General', label: 'Description', tab: 'connection', kind: 'textarea' },
  { path: 'connection.protocol', group: 'Server', label: 'Protocol', tab: 'connection', kind: 'select', options: ['graph', 'imap'], hint: 'graph = Microsoft 365 through Microsoft Graph; imap = any IMAP server, SMTP for replies' },
  { path: 'connection.host', group: 'Server', label: 'Host or IP', tab: 'connection', kind: 'text', hint: 'Graph: graph.microsoft.com unless a national cloud' },
  { path: 'connection.port', group: 'Server', label: 'Port', tab: 'connection', kind: 'number' },
  { path: 'connection.tls', group: 'Server', label: 'TLS', tab: 'connection', kind: 'select', options: ['implicit', 'starttls', 'none'] },
  { path: 'connection.allowPlaintext', group: 'Server', label: 'Allow plain text (tls "none" sends the password in clear)', tab: 'connection', kind: 'checkbox', when: isImap },
  { path: 'connection.username', group: 'Server', label: 'Username (mailbox address)', tab: 'connection', kind: 'text' },
  { path: 'connection.replyTo', group: 'Server', label: 'Reply-to mail', tab: 'connection', kind: 'text' },
  { path: 'connection.auth.type', group: 'Authentication', label: 'Auth type', tab: 'connection', kind: 'select', options: ['password', 'oauth', 'managedIdentity'] },
  { path: 'connection.auth.password', group: 'Authentication', label: 'Password', tab: 'connection', kind: 'secret', when: authIs('password') },
  { path: 'connection.auth.flow', group: 'Authentication', label: 'OAuth flow', tab: 'connection', kind: 'select', options: ['clientCredentials', 'authorizationCode'], when: oauth },
  { path: 'connection.auth.tenantId', group: 'Authentication', label: 'Tenant ID', tab: 'connection', kind: 'text', when: oauth },
  { path: 'connection.auth.clientId', group: 'Authentication', label: 'Client ID', tab: 'connection', kind: 'text', when: oauth },
  { path: 'connection.auth.clientSecret', group: 'Authentication', label: 'Client secret', tab: 'connection', kind: 'secret', when: oauth },
  { path: 'connection.auth.tokenEndpoint', group: 'Authentication', label: 'Token endpoint', tab: 'connection', kind: 'text', when: oauth, hint: 'empty = the Microsoft identity platform of the tenant' },
  { path: 'connection.auth.redirectUrl', group: 'Authentication', label: 'Redirect URL', tab: 'connection', kind: 'text', when: oauth },
  { path: 'connection.auth.scopes', group: 'Authentication', label: 'Scopes (one per line)', tab: 'connection', kind: 'list', when: oauth },
  { path: 'connection.auth.managedIdentityClientId', group: 'Authentication', label: 'Managed identity client ID', tab: 'connection', kind: 'text', when: authIs('managedIdentity'), hint: "empty = the Function App's system-assigned identity" },
  { path: 'connection.smtp.host', group: 'Outgoing mail (SMTP)', label: 'SMTP host (for replies)', tab: 'connection', kind: 'text', when: isImap, hint: 'empty = no outgoing mail' },
  { path: 'connection.smtp.port', group: 'Outgoing mail (SMTP)', label: 'SMTP port', tab: 'connection', kind: 'number', when: isImap },
  { path: 'connection.smtp.tls', group: 'Outgoing mail (SMTP)', label: 'SMTP TLS', tab: 'connection', kind: 'select', options: ['starttls', 'implicit', 'none'], when: isImap },
  { path: 'connection.pollIntervalSeconds', group: 'Connection settings', label: 'Poll interval (seconds)', tab: 'connection', kind: 'number' },
  { path: 'connection.settings.timeoutMs', group: 'Connection settings', label: 'Timeout (ms)', tab: 'connection', kind: 'number' },
  { path: 'connection.settings.retryCount', group: 'Connection settings', label: 'Retry count', tab: 'connection', kind: 'number' },
  { path: 'connection.settings.backoffMs', group: 'Connection settings', label: 'Backoff (ms)', tab: 'connection', kind: 'number' },
  { path: 'folders.read', group: 'Folders', label: 'Read folders (one per line)', tab: 'folders', kind: 'list' },
  { path: 'folders.success', group: 'Folders', label: 'Success folder', tab: 'folders', kind: 'text' },
  { path: 'folders.fail', group: 'Folders', label: 'Fail folder', tab: 'folders', kind: 'text' },
  { path: 'folders.exclusion', group: 'Folders', label: 'Exclusion folder (never touched)', tab: 'folders', kind: 'text' },
  { path: 'import.mode', group: 'Mail already in the mailbox', label: 'At publish', tab: 'folders', kind: 'select', options: ['newOnly', 'since'] },
  { path: 'import.since', group: 'Mail already in the mailbox', label: 'Import mail received since (ISO date-time)', tab: 'folders', kind: 'text', when: (v) => v['import.mode'] === 'since' },
  { path: 'domains.allowed', label: 'Allowed sender domains (one per line; empty = any)', tab: 'domains', kind: 'list' },
  { path: 'domains.excludeAutoReplies', label: 'Exclude auto-replies', tab: 'domains', kind: 'checkbox' },
  { path: 'domains.acceptNotifications', label: 'Accept notifications (monitoring alerts) as tickets', tab: 'domains', kind: 'checkbox' },
  { path: 'ticketMapping.templateId', label: 'Template', tab: 'ticket', kind: 'select' },
  { path: 'ticketMapping.whitelist', label: 'Whitelist: templates whose tickets take mail replies (one per line)', tab: 'ticket', kind: 'list' },
  { path: 'ticketMapping.nonWhitelistedReply', label: 'A reply to a ticket of another template', tab: 'ticket', kind: 'select', options: ['reject', 'newTicket'] },
  // Edited as rows with a live preview (views/field-mapping.ts); the form keeps it as JSON text.
  { path: 'ticketMapping.fields', label: 'Field mapping', tab: 'ticket', kind: 'json' },
];

const SECRET_PATHS = FIELDS.filter((f) => f.kind === 'secret').map((f) => f.path);

/** The field an API issue path belongs to: the longest field path it starts with. */
export function fieldOfIssue(issuePath: string): FieldDef | undefined {
  let best: FieldDef | undefined;
  for (const f of FIELDS) {
    if ((issuePath === f.path || issuePath.startsWith(`${f.path}.`)) && (!best || f.path.length > best.path.length)) best = f;
  }
  return best;
}

/** The tab an API issue path belongs to (the connection tab for paths of no field). */
export function tabOfIssue(issuePath: string): TabId {
  return fieldOfIssue(issuePath)?.tab ?? (issuePath.startsWith('folders') || issuePath.startsWith('import') ? 'folders' : issuePath.startsWith('domains') ? 'domains' : issuePath.startsWith('ticketMapping') ? 'ticket' : 'connection');
}

function at(obj: unknown, path: string): unknown {
  let cur: unknown = obj;
  for (const key of path.split('.')) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[key];
  }
  return cur;
}

function setAt(obj: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split('.');
  let cur = obj;
  for (const key of keys.slice(0, -1)) {
    const next = cur[key];
    if (next === null || typeof next !== 'object') cur[key] = {};
    cur = cur[key] as Record<string, unknown>;
  }
  cur[keys[keys.length - 1] as string] = value;
}

export const NEW_CHANNEL_DEFAULTS: FormValues = {
  'connection.protocol': 'imap',
  'connection.port': '993',
  'connection.tls': 'implicit',
  'connection.auth.type': 'password',
  'connection.auth.flow': 'clientCredentials',
  'connection.smtp.port': '587',
  'connection.smtp.tls': 'starttls',
  'connection.pollIntervalSeconds': '60',
  'connection.settings.timeoutMs': '30000',
  'connection.settings.retryCount': '3',
  'connection.settings.backoffMs': '2000',
  'folders.read': 'INBOX',
  'folders.success': 'Processed',
  'folders.fail': 'Failed',
  'import.mode': 'newOnly',
  'domains.excludeAutoReplies': true,
  'domains.acceptNotifications': false,
  'ticketMapping.nonWhitelistedReply': 'reject',
  'ticketMapping.fields': '[]',
};

/**
 * Form values of a stored channel (secrets stay empty: the view only says whether they are
 * set). A field the channel does not have yet (e.g. SMTP port without SMTP) shows the default
 * a new channel would get, so filling in the section's host is all it takes.
 */
export function formFromView(view: ChannelView | undefined): FormValues {
  if (!view) return { ...NEW_CHANNEL_DEFAULTS };
  const values: FormValues = {};
  for (const f of FIELDS) {
    const v = at(view, f.path);
    const fallback = NEW_CHANNEL_DEFAULTS[f.path];
    if (f.kind === 'secret') values[f.path] = '';
    else if (v === undefined && fallback !== undefined) values[f.path] = fallback;
    else if (f.kind === 'checkbox') values[f.path] = v === true;
    else if (f.kind === 'list') values[f.path] = Array.isArray(v) ? v.join('\n') : '';
    else if (f.kind === 'json') values[f.path] = JSON.stringify(v ?? [], null, 2);
    else values[f.path] = v === undefined || v === null ? '' : String(v);
  }
  return values;
}

/** Whether each secret of the stored channel is set (for "set" / "replace"). */
export function secretsSet(view: ChannelView | undefined): Record<string, boolean> {
  return Object.fromEntries(SECRET_PATHS.map((p) => [p, (at(view, p) as { isSet?: boolean } | undefined)?.isSet === true]));
}

/**
 * The request body for the values: what is shown and filled in, in the API's shape. Empty
 * optional fields are left out (the API's defaults apply); numbers that are not numbers are
 * sent as typed, so the API names the field; a secret goes only when one was typed (absent
 * = keep the stored one). JSON that does not parse is reported as a field issue here.
 */
export function inputFromForm(values: FormValues): { body: Partial<ChannelInput> & Record<string, unknown>; issues: { path: string; message: string }[] } {
  const body: Record<string, unknown> = {};
  const issues: { path: string; message: string }[] = [];
  for (const f of FIELDS) {
    if (f.when && !f.when(values)) continue;
    const raw = values[f.path];
    if (f.kind === 'checkbox') {
      setAt(body, f.path, raw === true);
      continue;
    }
    const text = typeof raw === 'string' ? raw.trim() : '';
    if (f.kind === 'list') {
      const items = text.split('\n').map((s) => s.trim()).filter((s) => s !== '');
      if (items.length > 0 || !f.path.startsWith('folders.')) setAt(body, f.path, items);
      continue;
    }
    if (text === '') continue;
    if (f.kind === 'number') setAt(body, f.path, Number.isFinite(Number(text)) ? Number(text) : text);
    else if (f.kind === 'json') {
      try {
        setAt(body, f.path, JSON.parse(text));
      } catch (err) {
        issues.push({ path: f.path, message: `not valid JSON: ${(err as Error).message}` });
      }
    } else setAt(body, f.path, typeof raw === 'string' && f.kind === 'secret' ? raw : text);
  }
  // An SMTP section without a host is no SMTP section.
  const conn = body.connection as Record<string, unknown> | undefined;
  const smtp = conn?.smtp as Record<string, unknown> | undefined;
  if (conn && smtp && smtp.host === undefined) delete conn.smtp;
  return { body: body as Partial<ChannelInput> & Record<string, unknown>, issues };
}

/**
 * The form as a JSON merge patch of the stored channel: what inputFromForm sends, plus `null`
 * for each value the channel has and the form no longer gives (an emptied optional field, a
 * section whose host was cleared, the fields of another auth type) — at the outermost key the
 * body lacks, so a cleared SMTP host removes the whole SMTP section. Save (PATCH) and the
 * previews (impact, live field mapping) send the same patch, so they judge what Save stores.
 * Settings the form does not show (threading, answers) are left as they are. Secrets are never
 * nulled: absent keeps the stored one.
 */
export function mergePatchFromForm(body: Record<string, unknown>, view: ChannelView): Record<string, unknown> {
  const patch = structuredClone(body);
  for (const f of FIELDS) {
    if (f.kind === 'secret' || at(view, f.path) === undefined) continue;
    const keys = f.path.split('.');
    for (let i = 1; i <= keys.length; i++) {
      const prefix = keys.slice(0, i).join('.');
      if (at(body, prefix) === undefined) {
        if (at(patch, prefix) === undefined) setAt(patch, prefix, null);
        break;
      }
    }
  }
  return patch;
}

/**
 * An API issue as the form shows it on its field: "Required." for a missing value, the API's
 * words otherwise, and for a one-per-line field the line it is about (`domains.allowed.1` →
 * line 2).
 */
export function issueText(issue: { path: string; message: string }): string {
  const text = issue.message.endsWith('received undefined') ? 'Required.' : issue.message;
  const field = fieldOfIssue(issue.path);
  if (field?.kind !== 'list' || issue.path === field.path) return text;
  const index = Number(issue.path.slice(field.path.length + 1).split('.')[0]);
  return Number.isInteger(index) ? `line ${index + 1}: ${text}` : text;
}

/** Whether two value sets differ (the unsaved-changes guard). */
export function changed(a: FormValues, b: FormValues): boolean {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const k of keys) if ((a[k] ?? '') !== (b[k] ?? '')) return true;
  return false;
}
