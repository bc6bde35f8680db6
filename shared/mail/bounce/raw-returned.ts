import { headerBlock, fieldValue } from './field-blocks';
import { boundedLines, withoutIndent } from './lines';
import { idIn } from './text-report';
import type { WorkMeter } from './work-meter';

/**
 * The Message-IDs of returned mails as the raw MIME writes them. mailparser turns a
 * `message/rfc822` part marked `Content-Disposition: inline` into part of the body: its text
 * shows, its headers (the Message-ID among them) are gone — Mailfoundry and SendGrid return
 * the failed mail so. Line by line over the first MAX_RAW_BYTES: each `Content-Type:` line
 * naming a returned-message type, the part's header lines after it, then the returned
 * mail's own header block.
 */

export const MAX_RAW_BYTES = 1024 * 1024;
const MAX_LINES = 20_000;
const MAX_LINE = 1000;
/** Part header lines after the Content-Type before its blank line. */
const MAX_PART_HEADER_LINES = 30;
/** Lines of the returned mail's header block read. */
const MAX_RETURNED_HEADER_LINES = 300;
const returnedTypes = ['message/rfc822', 'message/global', 'text/rfc822-headers', 'message/global-headers'];

export function rawReturnedMessageIds(raw: Buffer, meter: WorkMeter, max: number): string[] {
  const lines = boundedLines(raw.subarray(0, MAX_RAW_BYTES).toString('latin1'), MAX_LINES, MAX_LINE, meter);
  const out: string[] = [];
  // `max` parts are looked into, found or not: each costs up to a few hundred lines
  for (let i = 0, parts = 0; i < lines.length && parts < max; i++) {
    const line = lines[i]!;
    if (line.length < 13 || line.slice(0, 13).toLowerCase() !== 'content-type:') continue;
    const type = withoutIndent(line.slice(13)).toLowerCase();
    if (!returnedTypes.some((t) => type.startsWith(t))) continue;
    parts++;
    const body = blankLineAfter(lines, i + 1, MAX_PART_HEADER_LINES);
    if (body === undefined) continue;
    const end = blankLineAfter(lines, body + 1, MAX_RETURNED_HEADER_LINES) ?? Math.min(lines.length, body + 1 + MAX_RETURNED_HEADER_LINES);
    const id = idIn(fieldValue(headerBlock(lines.slice(body + 1, end).join('\n'), meter), 'message-id') ?? '');
    if (id) out.push(id);
    i = end - 1;
  }
  return out;
}

/** The index of the first blank line from `from` within `within` lines. */
function blankLineAfter(lines: readonly string[], from: number, within: number): number | undefined {
  for (let j = from; j < lines.length && j < from + within; j++) if (lines[j]!.trim() === '') return j;
  return undefined;
}
