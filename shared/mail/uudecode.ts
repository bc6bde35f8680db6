/**
 * uuencode, as old clients (Outlook Express, Lotus Notes, Unix `mail`, SAP) still send it:
 * either a MIME part with `Content-Transfer-Encoding: x-uuencode`, or a
 * `begin 644 name … end` block pasted into a plain-text body. mailparser decodes
 * neither, so we do; the format is small and fixed (POSIX `uuencode`).
 */

export interface UuBlock {
  filename: string;
  content: Buffer;
}

/** CTE names that mean uuencode. */
export function isUuencodeEncoding(cte: string | undefined): boolean {
  return !!cte && /^(x-)?uu(e|encode)?$/i.test(cte.trim());
}

/**
 * Decodes the body of an x-uuencode MIME part. The `begin`/`end` lines are optional
 * (some writers omit them). Returns undefined when the data is not uuencode at all.
 */
export function uudecodePart(data: Buffer): Buffer | undefined {
  const lines = data.toString('latin1').split(/\r?\n/);
  const begin = lines.findIndex((l) => /^begin(-base64)? [0-7]{3,4} /.test(l));
  const body = begin >= 0 ? lines.slice(begin + 1) : lines;
  return decodeLines(body);
}

/**
 * Finds `begin NNN name … end` blocks in a text body. Returns the decoded files and
 * the text with the blocks removed. Blocks that do not decode are left in the text.
 */
export function extractUuBlocks(text: string): { text: string; blocks: UuBlock[] } {
  // Line by line: one regex from `begin` to the next `end` line rescans the rest of the text from every `begin` that has none.
  const lines = text.split('\n');
  const kept: string[] = [];
  const blocks: UuBlock[] = [];
  let noEndLeft = false; // once a search for `end` ran out of text, every later one would too
  for (let i = 0; i < lines.length; i++) {
    const name = noEndLeft ? undefined : beginLineRe.exec(withoutCr(lines[i]!))?.[1];
    let end = -1;
    if (name !== undefined) for (let j = i + 1; j < lines.length && end < 0; j++) if (endLineRe.test(withoutCr(lines[j]!))) end = j;
    if (name !== undefined && end < 0) noEndLeft = true;
    if (name === undefined || end < 0) {
      kept.push(lines[i]!);
      continue;
    }
    const content = decodeLines(lines.slice(i + 1, end).map(withoutCr));
    if (content) {
      blocks.push({ filename: name.trim(), content });
      kept.push('');
    } else for (let j = i; j <= end; j++) kept.push(lines[j]!);
    i = end;
  }
  return { text: blocks.length ? kept.join('\n').replace(/\n{3,}/g, '\n\n').trim() : text, blocks };
}

const beginLineRe = /^begin [0-7]{3,4} ([^\r\n]+)$/;
const endLineRe = /^end[ \t]*$/;
const withoutCr = (line: string): string => (line.endsWith('\r') ? line.slice(0, -1) : line);

/** Decodes uuencoded lines up to the zero-length line or `end`. Undefined if malformed. */
function decodeLines(lines: string[]): Buffer | undefined {
  const chunks: Buffer[] = [];
  let sawData = false;
  for (const line of lines) {
    if (/^end\s*$/.test(line)) break;
    if (line === '') continue;
    const n = (line.charCodeAt(0) - 32) & 0x3f;
    if (n === 0) {
      if (line[0] === '`' || line[0] === ' ') break; // the terminating zero-length line
      continue;
    }
    const needed = Math.ceil(n / 3) * 4;
    // A data line is its length byte plus `needed` characters from the uuencode alphabet.
    if (line.length < 1 + needed || !/^[ -`]+$/.test(line.slice(0, 1 + needed))) return undefined;
    const out = Buffer.alloc(Math.ceil(n / 3) * 3);
    let o = 0;
    for (let i = 1; i < 1 + needed; i += 4) {
      const c = [0, 1, 2, 3].map((k) => (line.charCodeAt(i + k) - 32) & 0x3f) as [number, number, number, number];
      out[o++] = (c[0] << 2) | (c[1] >> 4);
      out[o++] = ((c[1] & 0x0f) << 4) | (c[2] >> 2);
      out[o++] = ((c[2] & 0x03) << 6) | c[3];
    }
    chunks.push(out.subarray(0, n));
    sawData = true;
  }
  return sawData ? Buffer.concat(chunks) : undefined;
}
