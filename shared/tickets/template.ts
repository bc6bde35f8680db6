import { z } from 'zod';

/**
 * A ticket template: the type of a ticket and the fields it carries.
 * Stored in Cosmos container `templates` (pk /id).
 */
export const TemplateFieldType = z.enum(['string', 'text', 'email', 'date', 'enum', 'number']);
export type TemplateFieldType = z.infer<typeof TemplateFieldType>;

export const TemplateField = z
  .object({
    /** Key in `ticket.fields`; what a channel's field mapping names. */
    name: z.string().regex(/^[a-zA-Z][a-zA-Z0-9_]{0,63}$/, 'must start with a letter and contain only letters, digits and _'),
    label: z.string().min(1).max(200),
    type: TemplateFieldType,
    required: z.boolean().default(false),
    /** The allowed values of an `enum` field (and only of one). */
    options: z.array(z.string().min(1)).min(1).optional(),
  })
  .superRefine((f, ctx) => {
    if (f.type === 'enum' && !f.options) ctx.addIssue({ code: 'custom', path: ['options'], message: 'required for an enum field' });
    if (f.type !== 'enum' && f.options) ctx.addIssue({ code: 'custom', path: ['options'], message: 'only an enum field has options' });
  });
export type TemplateField = z.infer<typeof TemplateField>;

export const Template = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'must be lower-case letters, digits and -'),
    name: z.string().min(1).max(200),
    description: z.string().max(2000).optional(),
    fields: z.array(TemplateField).default([]),
    createdAt: z.iso.datetime(),
  })
  .superRefine((t, ctx) => {
    const seen = new Set<string>();
    t.fields.forEach((f, i) => {
      if (seen.has(f.name)) ctx.addIssue({ code: 'custom', path: ['fields', i, 'name'], message: `duplicate field name "${f.name}"` });
      seen.add(f.name);
    });
  });
export type Template = z.infer<typeof Template>;

/** A ticket field value as stored: text, a number, or null for "no value". */
export const FieldValue = z.union([z.string(), z.number(), z.null()]);
export type FieldValue = z.infer<typeof FieldValue>;

export interface FieldIssue {
  /** Dotted path from the ticket, e.g. `fields.category`. */
  path: string;
  message: string;
}

const EMAIL = z.email();

/**
 * Checks ticket field values against the template and normalises them (a number field
 * given "42" becomes 42; a date becomes ISO 8601). Pure: the dry run shows the same issues
 * the real run would reject.
 */
export function checkTicketFields(
  template: Template,
  fields: Record<string, FieldValue>,
): { fields: Record<string, FieldValue>; issues: FieldIssue[] } {
  const issues: FieldIssue[] = [];
  const out: Record<string, FieldValue> = {};
  const known = new Map(template.fields.map((f) => [f.name, f]));
  for (const name of Object.keys(fields)) {
    if (!known.has(name)) issues.push({ path: `fields.${name}`, message: `template "${template.id}" has no field "${name}"` });
  }
  for (const def of template.fields) {
    const raw = Object.hasOwn(fields, def.name) ? fields[def.name] : undefined;
    const empty = raw === undefined || raw === null || (typeof raw === 'string' && raw.trim() === '');
    if (empty) {
      if (def.required) issues.push({ path: `fields.${def.name}`, message: `required by template "${template.id}"` });
      else if (raw !== undefined) out[def.name] = null;
      continue;
    }
    const value = normaliseField(def, raw);
    if (typeof value === 'object' && value !== null) issues.push({ path: `fields.${def.name}`, message: value.problem });
    else out[def.name] = value;
  }
  return { fields: out, issues };
}

function normaliseField(def: TemplateField, raw: string | number): string | number | { problem: string } {
  switch (def.type) {
    case 'number': {
      const n = typeof raw === 'number' ? raw : Number(raw.trim());
      return Number.isFinite(n) ? n : { problem: 'must be a number' };
    }
    case 'email': {
      const s = String(raw).trim();
      return EMAIL.safeParse(s).success ? s : { problem: 'must be an email address' };
    }
    case 'date': {
      const d = new Date(typeof raw === 'number' ? raw : raw.trim());
      return Number.isNaN(d.getTime()) ? { problem: 'must be a date' } : d.toISOString();
    }
    case 'enum': {
      const s = String(raw).trim();
      const match = def.options?.find((o) => o.toLowerCase() === s.toLowerCase());
      return match ?? { problem: `must be one of ${(def.options ?? []).map((o) => `"${o}"`).join(', ')}` };
    }
    case 'string':
      return String(raw).trim();
    case 'text':
      return String(raw);
  }
}
