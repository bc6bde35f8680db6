import type { ChannelInput } from '../config/channel';
import type { ApiIssue } from '../http/api-error';
import type { Template } from '../tickets/template';

/**
 * Checks a channel's ticket mapping against the templates that exist: the template and
 * every whitelisted template must exist, mapped fields must be fields of the template,
 * and every required template field must be mapped. Pure: templates in, issues out.
 */
export function ticketMappingIssues(input: ChannelInput, templates: ReadonlyMap<string, Template>): ApiIssue[] {
  const issues: ApiIssue[] = [];
  const tm = input.ticketMapping;
  const template = templates.get(tm.templateId);
  if (!template) issues.push({ path: 'ticketMapping.templateId', message: `template "${tm.templateId}" does not exist` });
  tm.whitelist.forEach((id, i) => {
    if (!templates.has(id)) issues.push({ path: `ticketMapping.whitelist.${i}`, message: `template "${id}" does not exist` });
  });
  if (!template) return issues;
  const names = new Set(template.fields.map((f) => f.name));
  const mapped = new Set<string>();
  tm.fields.forEach((m, i) => {
    if (!names.has(m.field)) {
      issues.push({ path: `ticketMapping.fields.${i}.field`, message: `template "${template.id}" has no field "${m.field}" (it has ${[...names].map((n) => `"${n}"`).join(', ') || 'no fields'})` });
    }
    if (mapped.has(m.field)) issues.push({ path: `ticketMapping.fields.${i}.field`, message: `field "${m.field}" is mapped twice` });
    mapped.add(m.field);
  });
  for (const f of template.fields) {
    if (f.required && !mapped.has(f.name)) {
      issues.push({ path: 'ticketMapping.fields', message: `template "${template.id}" requires field "${f.name}": map it (a default value will do)` });
    }
  }
  return issues;
}
