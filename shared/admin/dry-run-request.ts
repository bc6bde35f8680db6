import { z } from 'zod';
import type { ChannelRecord } from '../config/channel';
import type { ParsedMail } from '../mail/parsed-mail';
import { mapField, type MappableTemplate } from '../tickets/field-mapping';

/**
 * The dry run's JSON form, for the channel editor's live preview: the sample mail (typed,
 * uploaded, or one of the channel's stored mails) and, optionally, the edited configuration
 * as a merge patch — validated as PATCH validates it, stored nowhere. The raw-MIME form
 * (message/rfc822) stays as it is for curl and the "Test with sample email" view.
 *
 * Also here: what each row of the field mapping makes of the mail (`fieldMapping` in the
 * answer), which the ticket alone cannot show — a row whose value is empty, refused by the
 * field's type, or meant for a field the template lacks leaves no trace on the ticket, and a
 * rejected mail has no ticket at all.
 */
export const DryRunMail = z.union([
  z.object({ text: z.string().min(1).describe('the raw mail (.eml) as text; sent as UTF-8') }).strict(),
  z.object({ base64: z.base64().min(1).describe('the raw mail (.eml), base64-encoded (for bytes that are not UTF-8)') }).strict(),
  z.object({ storedKey: z.string().min(1).max(512).describe("the ledger key of one of the channel's stored mails (GET /channels/{id}/messages)") }).strict(),
]);
export type DryRunMail = z.infer<typeof DryRunMail>;

export const DryRunRequest = z
  .object({
    mail: DryRunMail,
    patch: z
      .record(z.string(), z.unknown())
      .optional()
      .describe('a JSON merge patch of the channel (what PATCH takes, validated alike): the dry run uses the edited configuration; nothing is stored'),
  })
  .strict();
export type DryRunRequest = z.infer<typeof DryRunRequest>;

export const FieldMappingPreviewRow = z.object({
  index: z.number().int().describe('the row: ticketMapping.fields.<index>'),
  field: z.string(),
  status: z.enum(['value', 'empty', 'invalid', 'notInTemplate', 'unusable', 'noTemplate']),
  captured: z.string().optional().describe("the source's own text (the regex capture, the header, the mail property)"),
  value: z.union([z.string(), z.number(), z.null()]).optional().describe('what the ticket field gets, coerced to its type'),
  defaultUsed: z.boolean().optional(),
  message: z.string().optional().describe('why there is no value, or a note on it'),
});
export type FieldMappingPreviewRow = z.infer<typeof FieldMappingPreviewRow>;

/** Longest captured text the preview returns (a `text` source can be a whole mail body). */
export const MAX_PREVIEW_CHARS = 2000;

const clip = (s: string) => (s.length > MAX_PREVIEW_CHARS ? `${s.slice(0, MAX_PREVIEW_CHARS)}…` : s);

/** Each field mapping row of the channel applied to the mail, as mapTicket applies it. */
export function fieldMappingPreview(channel: Pick<ChannelRecord, 'ticketMapping'>, template: MappableTemplate | undefined, mail: ParsedMail): FieldMappingPreviewRow[] {
  const byName = new Map((template?.fields ?? []).map((f) => [f.name, f]));
  return channel.ticketMapping.fields.map((m, index) => {
    const base = { index, field: m.field };
    if (!template) return { ...base, status: 'noTemplate', message: `template "${channel.ticketMapping.templateId}" does not exist` };
    const row = mapField(byName.get(m.field), m, index, mail);
    switch (row.status) {
      case 'value':
        return {
          ...base,
          status: 'value',
          value: typeof row.value === 'string' ? clip(row.value) : row.value,
          ...(row.captured !== undefined ? { captured: clip(row.captured) } : {}),
          defaultUsed: row.defaultUsed,
          ...(row.message ? { message: row.message } : {}),
        };
      case 'invalid':
        return { ...base, status: 'invalid', ...(row.captured !== undefined ? { captured: clip(row.captured) } : {}), message: row.message };
      case 'empty':
        return { ...base, status: 'empty', message: 'the mail has no value for this source, and the row has no default' };
      case 'notInTemplate':
      case 'unusable':
        return { ...base, status: row.status, message: row.message };
    }
  });
}
