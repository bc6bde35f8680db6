import { PermanentError } from '../errors';

export const MIME_UNPARSEABLE = 'MIME_UNPARSEABLE';

/**
 * mailparser accepts anything (a JPEG parses as a mail with no headers), so the
 * obvious non-mails are refused here with a reason an admin can act on. Returns where
 * the header block starts: a mail exported with a line or two of junk above its headers
 * (e.g. "---- Original email message ----") is still read, with a warning.
 */
export function locateHeaders(raw: Buffer): number {
  const unparseable = (reason: string) => new PermanentError(MIME_UNPARSEABLE, reason);
  // whitespace-only input is empty too; scanning bytes avoids copying a 35 MB mail into a string
  if (!raw.some((b) => b !== 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d && b !== 0x0b && b !== 0x0c)) throw unparseable('the input is empty');

  // Only the head is judged: bodies may legitimately carry binary parts.
  const head = raw.subarray(0, 64 * 1024).toString('latin1');
  const lines = head.split('\n');
  let offset = 0;
  let i = 0;
  const skip = () => {
    offset += lines[i]!.length + 1;
    i++;
  };
  while (i < lines.length && lines[i]!.trim() === '') skip();
  if (/^\xEF\xBB\xBF/.test(lines[i] ?? '')) {
    offset += 3;
    lines[i] = lines[i]!.slice(3);
  }
  if (/^From /.test(lines[i] ?? '')) return offset; // mbox "From " line: mailparser skips it itself
  for (let junk = 0; junk <= 3 && i < lines.length; junk++) {
    if (headerRunLength(lines, i) >= (junk === 0 ? 1 : 2)) return offset;
    if (lines[i]!.trim() === '' && junk > 0) break;
    skip();
  }
  // eslint-disable-next-line no-control-regex -- control characters are exactly what this looks for
  if (/[\x00-\x08\x0e-\x1a\x1c-\x1f]/.test(head.slice(0, 1024))) throw unparseable('the input is binary data, not a MIME message');
  throw unparseable('the input has no mail headers (it does not start with a "Name: value" header line)');
}

/** How many header fields follow from line `i` (folded lines belong to the field above). */
function headerRunLength(lines: readonly string[], i: number): number {
  let n = 0;
  for (; i < lines.length; i++) {
    const line = lines[i]!.replace(/\r$/, '');
    if (line === '') break;
    // ESC is fine (ISO-2022-JP switches character sets with it); other control bytes are not.
    // eslint-disable-next-line no-control-regex -- control characters are exactly what this looks for
    if (/[\x00-\x08\x0b\x0c\x0e-\x1a\x1c-\x1f]/.test(line)) return 0;
    if (/^[!-9;-~]+:/.test(line)) n++;
    else if (/^[ \t]/.test(line) && n > 0) continue;
    else break;
  }
  return n;
}
