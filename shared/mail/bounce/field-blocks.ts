import { boundedLines } from './lines';
import type { WorkMeter } from './work-meter';

/**
 * `Name: value` fields as header blocks and RFC 3464 delivery reports write them:
 * continuation lines (starting with a blank) unfolded into the field before, groups
 * separated by blank lines. Bounded: at most `MAX_FIELD_LINES` lines of the input, each
 * value at most `MAX_FIELD_VALUE` characters however many continuation lines it has.
 */
export interface Field {
  /** Lower-cased. */
  name: string;
  value: string;
}

export const MAX_FIELD_LINES = 2000;
const MAX_LINE = 1000;
export const MAX_FIELD_VALUE = 2000;
/** Longer than any real header name: a "name" past it is prose, not a field. */
const MAX_NAME = 76;

/** The groups of fields, in order; lines that are no field (prose) are skipped. */
export function fieldBlocks(text: string, meter: WorkMeter): Field[][] {
  const blocks: Field[][] = [];
  let block: Field[] = [];
  let last: Field | undefined;
  for (const line of boundedLines(text, MAX_FIELD_LINES, MAX_LINE, meter)) {
    if (line.trim() === '') {
      if (block.length) blocks.push(block);
      block = [];
      last = undefined;
      continue;
    }
    if (line[0] === ' ' || line[0] === '\t') {
      if (last && last.value.length < MAX_FIELD_VALUE) {
        last.value = `${last.value} ${line.trim()}`.slice(0, MAX_FIELD_VALUE).trim();
        meter.chars += last.value.length;
      }
      continue;
    }
    const field = fieldOf(line);
    if (field) block.push(field);
    last = field;
  }
  if (block.length) blocks.push(block);
  return blocks;
}

/** The header block of a mail (its fields up to the first blank line). */
export function headerBlock(text: string, meter: WorkMeter): Field[] {
  // a mail starting with a blank line has no headers; fieldBlocks would skip to its body
  if (text.startsWith('\n') || text.startsWith('\r\n')) return [];
  return fieldBlocks(text, meter)[0] ?? [];
}

/** `Name: value` when the line is a field: a name of printable characters without blanks, then a colon. */
export function fieldOf(line: string): Field | undefined {
  const colon = line.indexOf(':');
  if (colon < 1 || colon > MAX_NAME) return undefined;
  for (let i = 0; i < colon; i++) {
    const code = line.charCodeAt(i);
    if (code <= 32 || code >= 127) return undefined;
  }
  return { name: line.slice(0, colon).toLowerCase(), value: line.slice(colon + 1).trim().slice(0, MAX_FIELD_VALUE) };
}

/** The first field of that name. */
export const fieldValue = (fields: readonly Field[], name: string): string | undefined => fields.find((f) => f.name === name)?.value;
