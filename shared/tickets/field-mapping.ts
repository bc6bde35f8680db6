import type { z } from 'zod';
import { compileAdminRegex } from '../config/admin-regex';
import type { ChannelRecord, FieldSource } from '../config/channel';
import type { Address, ParsedMail } from '../mail/parsed-mail';

/**
 * Maps a parsed mail onto a ticket of the channel's template: the standard fields
 * (title, description, requester, watchers, priority, received date) and the
 * channel's field mapping (mail properties, headers, regex captures) coerced to the
 * template's field types. Pure: the dry run and the real run call the same function.
 */

/** The part of a template the mapping needs (structural, so any template shape fits). */
export interface MappableTemplate {
  id: string;
  fields: ReadonlyArray<{
    name: string;
    type: 'string' | 'text' | 'email' | 'date' | 'enum' | 'number';
    required: boolean;
    options?: readonly string[];
    label?: string;
  }>;
}

export type Priority = 'low' | 'normal' | 'high';
export type FieldValue = string | number | null;

export interface MappedTicket {
  templateId: string;
  title: string;
  description: { text: string; html?: string };
  requester: Address;
  watchers: Address[];
  priority: Priority;
  receivedAt: string;
  fields: Record<string, FieldValue>;
}

export type MappingResult =
  | { ok: true; ticket: MappedTicket; notes: string[] }
  | { ok: false; code: 'REQUIRED_FIELD_MISSING' | 'FIELD_VALUE_INVALID' | 'FIELD_MAPPING_INVALID'; reason: string };

/** A source that cannot run (a stored regex RE2 refuses): the admin's to fix, never the mail's. */
export class UnusableMappingError extends Error {}

const MAX_TITLE = 255;

/** Importance / X-Priority / Priority headers → ticket priority. */
export function priorityOf(headers: Record<string, string>): Priority {
  const xp = headers['x-priority']?.trim();
  if (xp) {
    const n = Number.parseInt(xp, 10);
    if (n === 1 || n === 2) return 'high';
    if (n === 4 || n === 5) return 'low';
  }
  const imp = (headers['importance'] ?? headers['x-msmail-priority'] ?? '').trim().toLowerCase();
  if (imp === 'high') return 'high';
  if (imp === 'low') return 'low';
  const prio = (headers['priority'] ?? '').trim().toLowerCase();
  if (prio === 'urgent') return 'high';
  if (prio === 'non-urgent') return 'low';
  return 'normal';
}

function formatAddresses(list: readonly Address[]): string {
  return list.map((a) => (a.name ? `${a.name} <${a.address}>` : a.address)).join(', ');
}

/**
 * The raw (string) value of one mapping source, or undefined when the mail has none.
 * Throws `UnusableMappingError` for a regex RE2 cannot compile.
 */
export function sourceValue(source: z.infer<typeof FieldSource>, mail: ParsedMail): string | undefined {
  switch (source.kind) {
    case 'mail':
      switch (source.property) {
        case 'subject': return mail.subject || undefined;
        case 'text': return mail.text || undefined;
        case 'html': return mail.html;
        case 'from': return mail.from?.address;
        case 'fromName': return mail.from?.name || undefined;
        case 'to': return mail.to.length ? formatAddresses(mail.to) : undefined;
        case 'cc': return mail.cc.length ? formatAddresses(mail.cc) : undefined;
        case 'date': return mail.date;
        case 'priority': return priorityOf(mail.headers);
        case 'messageId': return mail.messageId;
        case 'attachmentNames': return mail.attachments.filter((a) => !a.inline).map((a) => a.filename).join(', ') || undefined;
      }
      return undefined;
    case 'header':
      return mail.headers[source.name.toLowerCase()]?.trim() || undefined;
    case 'regex': {
      const haystack = source.on === 'subject' ? mail.subject : mail.text;
      // Admin patterns run on RE2 only (linear time, see admin-regex.ts), never on V8's engine.
      const compiled = compileAdminRegex(source.pattern, source.flags);
      if (!compiled.ok) throw new UnusableMappingError(`its ${compiled.field} cannot be used: ${compiled.message}`);
      const m = compiled.regex.exec(haystack) as RegExpExecArray | null;
      if (!m) return undefined;
      const v = typeof source.group === 'number' ? m[source.group] : m.groups?.[source.group];
      return v?.trim() || undefined;
    }
  }
}

type FieldDef = MappableTemplate['fields'][number];

/** Coerces a string to the template field's type; a string result is the error. */
function coerce(def: FieldDef, raw: string): { value: FieldValue } | { error: string } {
  switch (def.type) {
    case 'number': {
      const n = Number(raw.replace(',', '.'));
      return Number.isFinite(n) ? { value: n } : { error: `"${raw}" is not a number` };
    }
    case 'date': {
      const t = Date.parse(raw);
      return Number.isNaN(t) ? { error: `"${raw}" is not a date` } : { value: new Date(t).toISOString() };
    }
    case 'email': {
      const address = firstAddressIn(raw);
      return address ? { value: address.toLowerCase() } : { error: `"${raw}" is not an email address` };
    }
    case 'enum': {
      const hit = def.options?.find((o) => o.toLowerCase() === raw.toLowerCase());
      return hit !== undefined ? { value: hit } : { error: `"${raw}" is not one of ${(def.options ?? []).join(', ')}` };
    }
    case 'string':
      return { value: raw.replace(/\s+/g, ' ').slice(0, 1000) };
    case 'text':
      return { value: raw };
  }
}

/**
 * The first `local@domain.tld` in a text, as /[^\s<>@]+@[^\s<>@]+\.[^\s<>@]+/ finds it, without
 * that regex's rescan from every character of a long run with no "@" (quadratic).
 */
function firstAddressIn(text: string): string | undefined {
  for (const word of text.split(/[\s<>]+/)) {
    const parts = word.split('@');
    for (let i = 0; i + 1 < parts.length; i++) {
      const [local, domain] = [parts[i]!, parts[i + 1]!];
      const dot = domain.indexOf('.', 1);
      if (local && dot > 0 && dot < domain.length - 1) return `${local}@${domain}`;
    }
  }
  return undefined;
}

/**
 * What one row of the field mapping makes of a mail: the value it sets (with the source's
 * own text as `captured`), nothing, or why not. mapTicket folds the rows into the ticket;
 * the editor's live preview shows them one by one.
 */
export type FieldRowResult =
  | { status: 'value'; value: FieldValue; captured?: string; defaultUsed: boolean; message?: string }
  | { status: 'empty' }
  | { status: 'invalid'; required: boolean; captured?: string; message: string }
  | { status: 'notInTemplate'; message: string }
  | { status: 'unusable'; message: string };

export function mapField(def: FieldDef | undefined, m: ChannelRecord['ticketMapping']['fields'][number], index: number, mail: ParsedMail): FieldRowResult {
  if (!def) return { status: 'notInTemplate', message: `mapping for "${m.field}" skipped: the template has no such field` };
  let captured: string | undefined;
  try {
    captured = sourceValue(m.source, mail);
  } catch (err) {
    if (!(err instanceof UnusableMappingError)) throw err;
    return { status: 'unusable', message: `the channel's field mapping ticketMapping.fields.${index}.source (template field "${m.field}") ${err.message}` };
  }
  const raw = captured ?? m.default;
  if (raw === undefined) return { status: 'empty' };
  const given = captured !== undefined ? { captured } : {};
  const result = coerce(def, raw);
  if ('value' in result) return { status: 'value', value: result.value, ...given, defaultUsed: captured === undefined };
  if (m.default !== undefined && raw !== m.default) {
    const fallback = coerce(def, m.default);
    const message = `field "${m.field}": ${result.error}; default used`;
    if ('value' in fallback) return { status: 'value', value: fallback.value, ...given, defaultUsed: true, message };
    return { status: 'invalid', required: def.required, ...given, message: fallback.error };
  }
  return { status: 'invalid', required: def.required, ...given, message: result.error };
}

/** `receivedAt`: when the mailbox received the mail (listing), else its Date header. */
export function mapTicket(channel: ChannelRecord, template: MappableTemplate, mail: ParsedMail, receivedAt: string): MappingResult {
  const notes: string[] = [];
  if (!mail.from) return { ok: false, code: 'REQUIRED_FIELD_MISSING', reason: 'the mail has no sender to be the requester' };
  const title = (mail.subject.replace(/\s+/g, ' ').trim() || '(no subject)').slice(0, MAX_TITLE);
  const own = channel.connection.username.toLowerCase();
  const watchers = [...mail.to, ...mail.cc].filter(
    (a, i, all) => a.address.toLowerCase() !== own && a.address.toLowerCase() !== mail.from?.address.toLowerCase() && all.findIndex((b) => b.address.toLowerCase() === a.address.toLowerCase()) === i,
  );

  const fields: Record<string, FieldValue> = {};
  const byName = new Map(template.fields.map((f) => [f.name, f]));
  for (const [i, m] of channel.ticketMapping.fields.entries()) {
    const row = mapField(byName.get(m.field), m, i, mail);
    switch (row.status) {
      case 'unusable':
        // Every mail would fail the same way: a recorded rejection the admin can retry after fixing the channel.
        return { ok: false, code: 'FIELD_MAPPING_INVALID', reason: row.message };
      case 'invalid':
        if (row.required) return { ok: false, code: 'FIELD_VALUE_INVALID', reason: `template field "${m.field}": ${row.message}` };
        notes.push(`field "${m.field}" left empty: ${row.message}`);
        break;
      case 'notInTemplate':
        notes.push(row.message);
        break;
      case 'value':
        if (row.message) notes.push(row.message);
        fields[m.field] = row.value;
        break;
      case 'empty':
        break;
    }
  }

  const missing = template.fields.filter((f) => f.required && (fields[f.name] === undefined || fields[f.name] === null || fields[f.name] === ''));
  if (missing.length) {
    const names = missing.map((f) => `"${f.name}"`).join(', ');
    return {
      ok: false,
      code: 'REQUIRED_FIELD_MISSING',
      reason: `template "${template.id}" requires ${names}, and neither the mail nor the channel's field mapping (or its default) gives a value`,
    };
  }

  return {
    ok: true,
    notes,
    ticket: {
      templateId: template.id,
      title,
      description: { text: mail.text, ...(mail.html ? { html: mail.html } : {}) },
      requester: mail.from,
      watchers,
      priority: priorityOf(mail.headers),
      receivedAt,
      fields,
    },
  };
}
