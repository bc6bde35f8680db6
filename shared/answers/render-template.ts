/**
 * Templates of the mails the channel sends: `{{name}}` placeholders replaced in ONE pass
 * over the template, by index scans (no regex: an admin's template and the customer's
 * values are both untrusted text, and a scan's cost is plain to see). Each `{{` costs at
 * most a bounded look-ahead, and the scan always moves on, so the work is linear in the
 * template.
 *
 * Where a value lands decides how it is made safe: HTML-escaped in an HTML body, line
 * breaks and other control characters turned into blanks in a subject (a header: a line
 * break there would start a header of the customer's choosing), as is in plain text.
 * An unknown placeholder stays visible as written (`{{tikcetNumber}}` in a sent mail is
 * a typo anyone can see and report) and is reported, so the admin API refuses it (400).
 */

/** Where a rendered template goes: decides the escaping of values. */
export type TemplateTarget = 'subject' | 'text' | 'html';

/** Longest template per target, in UTF-16 units. A subject is one header line (998 with its name). */
export const MAX_TEMPLATE_LENGTH: Readonly<Record<TemplateTarget, number>> = { subject: 500, text: 20_000, html: 50_000 };
/** Placeholders per template: with MAX_VALUE_LENGTH, bounds the rendered size. */
export const MAX_PLACEHOLDERS = 100;
/** A value longer than this is cut (a 100 KB "title" must not make a 10 MB mail). */
export const MAX_VALUE_LENGTH = 2_000;
/** `{{` + blanks + name + blanks + `}}`: a placeholder is never longer; past this it is text. */
const MAX_NAME_LENGTH = 40;
const MAX_PADDING = 4;

export interface ScannedPlaceholder {
  /** Offset of `{{`. */
  start: number;
  /** Offset after `}}`. */
  end: number;
  name: string;
}

const isNameChar = (c: number) => (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 95;

/**
 * A placeholder `{{ name }}` starting at `at` (which holds `{{`), or undefined; and how far
 * the look-ahead read (bounded: `{{`, blanks, a name of at most MAX_NAME_LENGTH, `}}`).
 */
function placeholderAt(template: string, at: number): { placeholder?: ScannedPlaceholder; read: number } {
  let i = at + 2;
  for (let pad = 0; pad < MAX_PADDING && template[i] === ' '; pad++) i++;
  const nameFrom = i;
  while (i < template.length && i - nameFrom <= MAX_NAME_LENGTH && isNameChar(template.charCodeAt(i))) i++;
  const name = template.slice(nameFrom, i);
  if (name.length === 0 || name.length > MAX_NAME_LENGTH) return { read: i + 1 - at };
  for (let pad = 0; pad < MAX_PADDING && template[i] === ' '; pad++) i++;
  if (template[i] !== '}' || template[i + 1] !== '}') return { read: i + 2 - at };
  return { placeholder: { start: at, end: i + 2, name }, read: i + 2 - at };
}

/**
 * Every placeholder in the template, in order, and the work the scan did: characters
 * looked at, the look-ahead of each `{{` included (tests count it instead of timing it).
 */
export function scanPlaceholders(template: string): { placeholders: ScannedPlaceholder[]; steps: number } {
  const placeholders: ScannedPlaceholder[] = [];
  let steps = 0;
  let i = 0;
  for (;;) {
    const at = template.indexOf('{{', i);
    if (at < 0) {
      steps += template.length - i;
      break;
    }
    steps += at - i;
    const { placeholder, read } = placeholderAt(template, at);
    steps += read;
    if (placeholder) {
      placeholders.push(placeholder);
      i = placeholder.end;
    } else {
      // "{{{x}}": the next '{' may open the real placeholder
      i = at + 1;
    }
  }
  return { placeholders, steps };
}

const HTML_ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text made safe for HTML content and quoted attribute values. */
export function escapeHtml(value: string): string {
  let out = '';
  let from = 0;
  for (let i = 0; i < value.length; i++) {
    const escaped = HTML_ESCAPES[value[i]!];
    if (escaped === undefined) continue;
    out += value.slice(from, i) + escaped;
    from = i + 1;
  }
  return out + value.slice(from);
}

/** One header line: line breaks (CR, LF, U+2028/9, NEL) and other control characters become blanks. */
export function headerSafe(value: string): string {
  let out = '';
  for (const ch of value) {
    const c = ch.codePointAt(0)!;
    out += c < 0x20 || c === 0x7f || c === 0x85 || c === 0x2028 || c === 0x2029 ? ' ' : ch;
  }
  return out;
}

function valueFor(raw: string, target: TemplateTarget): string {
  const bounded = raw.length > MAX_VALUE_LENGTH ? `${raw.slice(0, MAX_VALUE_LENGTH - 1)}…` : raw;
  if (target === 'html') return escapeHtml(bounded);
  if (target === 'subject') return headerSafe(bounded);
  return bounded;
}

export interface RenderResult {
  text: string;
  /** Placeholders the template names that have no value (left in the text as written). */
  unknown: string[];
  /** Characters looked at by the scan. */
  steps: number;
}

/**
 * Renders a template for a target. Values are plain text (never markup): each is cut to
 * MAX_VALUE_LENGTH and escaped for the target. Past MAX_PLACEHOLDERS, placeholders stay
 * as written (validateTemplate refuses such a template; a stored one still renders).
 */
export function renderTemplate(template: string, values: Readonly<Record<string, string>>, target: TemplateTarget): RenderResult {
  const { placeholders, steps } = scanPlaceholders(template);
  let out = '';
  let from = 0;
  const unknown = new Set<string>();
  placeholders.forEach((p, n) => {
    const value = Object.hasOwn(values, p.name) ? values[p.name] : undefined;
    if (value === undefined || n >= MAX_PLACEHOLDERS) {
      if (value === undefined) unknown.add(p.name);
      return;
    }
    out += template.slice(from, p.start) + valueFor(value, target);
    from = p.end;
  });
  out += template.slice(from);
  // the template's own text in a subject must be one line too (a stored template predating validation)
  return { text: target === 'subject' ? headerSafe(out).trim() : out, unknown: [...unknown], steps };
}

export interface TemplateIssue {
  message: string;
}

/**
 * What is wrong with a template for a target, given the placeholders it may use: empty
 * where text is needed, too long, too many placeholders, an unknown placeholder, a line
 * break in a subject. Empty list = fine. The admin API turns each into a 400 issue.
 */
export function validateTemplate(template: string, known: readonly string[], target: TemplateTarget): TemplateIssue[] {
  const issues: TemplateIssue[] = [];
  const max = MAX_TEMPLATE_LENGTH[target];
  if (template.trim().length === 0) issues.push({ message: 'must not be empty' });
  if (template.length > max) issues.push({ message: `is ${template.length} characters long; at most ${max}` });
  if (target === 'subject' && headerSafe(template) !== template) issues.push({ message: 'must be one line (no line breaks or control characters)' });
  // scanned only within the limit: an oversized template is refused already
  const { placeholders } = scanPlaceholders(template.length > max ? template.slice(0, max) : template);
  if (placeholders.length > MAX_PLACEHOLDERS) issues.push({ message: `has ${placeholders.length} placeholders; at most ${MAX_PLACEHOLDERS}` });
  const unknown = [...new Set(placeholders.map((p) => p.name).filter((n) => !known.includes(n)))];
  if (unknown.length) issues.push({ message: `unknown placeholder${unknown.length > 1 ? 's' : ''} ${unknown.map((n) => `{{${n}}}`).join(', ')}; known: ${known.map((n) => `{{${n}}}`).join(', ')}` });
  return issues;
}
