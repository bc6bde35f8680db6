import type { FieldMapping, MailProperty } from '../../shared/config/channel';
import type { z } from 'zod';

/**
 * The field mapping editor's rows, as data: a row holds what the admin typed (strings, one
 * per input), and becomes the API's FieldMapping in the key order the API answers with, so
 * an untouched mapping compares equal to the stored one (the unsaved-changes guard). Pure;
 * the API stays the judge (a pattern RE2 refuses comes back as a 400 on its row).
 */
export type SourceKind = FieldMapping['source']['kind'];

export interface MappingRow {
  field: string;
  kind: SourceKind;
  /** kind mail */
  property: string;
  /** kind header */
  header: string;
  /** kind regex */
  on: 'subject' | 'body';
  pattern: string;
  flags: string;
  /** A capture group number or name, as typed. */
  group: string;
  default: string;
}

export const SOURCE_KINDS: readonly { kind: SourceKind; label: string }[] = [
  { kind: 'regex', label: 'Pattern (regex) in subject or body' },
  { kind: 'mail', label: 'Mail property' },
  { kind: 'header', label: 'Header' },
];

export const MAIL_PROPERTIES = ['subject', 'text', 'html', 'from', 'fromName', 'to', 'cc', 'date', 'priority', 'messageId', 'attachmentNames'] as const satisfies readonly z.infer<typeof MailProperty>[];

export function emptyRow(): MappingRow {
  return { field: '', kind: 'regex', property: 'subject', header: '', on: 'subject', pattern: '', flags: 'i', group: '1', default: '' };
}

/** Rows of a stored mapping (the form keeps it as JSON text); undefined when the text is not a list of mappings. */
export function rowsFromJson(text: string): MappingRow[] | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text.trim() === '' ? '[]' : text);
  } catch {
    return undefined;
  }
  if (!Array.isArray(parsed)) return undefined;
  const rows: MappingRow[] = [];
  for (const item of parsed) {
    if (typeof item !== 'object' || item === null) return undefined;
    const m = item as { field?: unknown; default?: unknown; source?: Record<string, unknown> };
    const s = m.source ?? {};
    const row = emptyRow();
    row.field = typeof m.field === 'string' ? m.field : '';
    row.default = typeof m.default === 'string' ? m.default : '';
    if (s.kind === 'mail' || s.kind === 'header' || s.kind === 'regex') row.kind = s.kind;
    if (typeof s.property === 'string') row.property = s.property;
    if (typeof s.name === 'string') row.header = s.name;
    if (s.on === 'subject' || s.on === 'body') row.on = s.on;
    if (typeof s.pattern === 'string') row.pattern = s.pattern;
    if (typeof s.flags === 'string') row.flags = s.flags;
    if (typeof s.group === 'number' || typeof s.group === 'string') row.group = String(s.group);
    rows.push(row);
  }
  return rows;
}

/** A capture group as the API takes it: a number when it is digits only, a name otherwise. */
function groupOf(text: string): number | string {
  const t = text.trim();
  if (t === '') return 1;
  return /^\d{1,2}$/.test(t) ? Number(t) : t;
}

/** The API's FieldMapping of each row (key order as the API answers). */
export function mappingsOfRows(rows: readonly MappingRow[]): unknown[] {
  return rows.map((r) => {
    const source =
      r.kind === 'mail' ? { kind: 'mail', property: r.property }
      : r.kind === 'header' ? { kind: 'header', name: r.header.trim() }
      : { kind: 'regex', on: r.on, pattern: r.pattern, flags: r.flags.trim(), group: groupOf(r.group) };
    return { field: r.field.trim(), source, ...(r.default !== '' ? { default: r.default } : {}) };
  });
}

export const rowsToJson = (rows: readonly MappingRow[]): string => JSON.stringify(mappingsOfRows(rows), null, 2);

/** The input of a row an API issue path names (`ticketMapping.fields.2.source.pattern` → row 2, "pattern"). */
export type RowPart = 'field' | 'property' | 'header' | 'on' | 'pattern' | 'flags' | 'group' | 'default' | 'row';

export function rowOfIssue(path: string): { index: number; part: RowPart } | undefined {
  const prefix = 'ticketMapping.fields.';
  if (!path.startsWith(prefix)) return undefined;
  const [index, a, b] = path.slice(prefix.length).split('.');
  const n = Number(index);
  if (!Number.isInteger(n) || n < 0) return undefined;
  if (a === 'field' || a === 'default') return { index: n, part: a };
  if (a === 'source') {
    if (b === 'name') return { index: n, part: 'header' };
    if (b === 'property' || b === 'on' || b === 'pattern' || b === 'flags' || b === 'group') return { index: n, part: b };
  }
  return { index: n, part: 'row' };
}
