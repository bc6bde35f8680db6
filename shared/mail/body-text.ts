import { htmlToText } from 'html-to-text';
import { simpleParser } from 'mailparser';

/**
 * The text body when mailparser gives none: HTML-only multiparts (converted with the
 * same html-to-text mailparser uses) and multiparts whose boundary never appears.
 */

/**
 * Line ends to LF, trailing blanks off each line and the whole. Trimmed by scanning
 * back from each line end, not by `/[ \t]+$/gm`: that regex restarts at every blank of
 * a run not followed by a line end, quadratic in the run (40,000 spaces took seconds).
 */
export function normalizeText(text: string): string {
  return text.replace(/\r\n?/g, '\n').split('\n').map(trimBlanksEnd).join('\n').trim();
}

function trimBlanksEnd(line: string): string {
  let end = line.length;
  while (end > 0 && (line.charCodeAt(end - 1) === 0x20 || line.charCodeAt(end - 1) === 0x09)) end--;
  return end === line.length ? line : line.slice(0, end);
}

/**
 * mailparser converts HTML to text only for a root HTML part or an HTML part beside
 * text; an HTML-only multipart/related (Outlook with an inline image) is left without.
 */
export function htmlFallbackText(html: string, warnings: string[]): string {
  if (html.length > 5 * 1024 * 1024) {
    warnings.push('the HTML body is too long to convert to text');
    return '';
  }
  try {
    return htmlToText(html, { limits: { maxDepth: 256 }, selectors: [{ selector: 'img', format: 'skip' }] });
  } catch (err) {
    warnings.push(`the HTML body could not be converted to text: ${errorMessage(err)}`);
    return '';
  }
}

/** The body of a part-less multipart, decoded as a text/plain part with the mail's own transfer encoding. */
export async function partlessBodyText(raw: Buffer, headers: Record<string, string>): Promise<string> {
  const sep = /\r?\n\r?\n/.exec(raw.subarray(0, 1024 * 1024).toString('latin1'));
  if (!sep) return '';
  const body = raw.subarray(sep.index + sep[0].length);
  if (!body.toString('latin1').trim()) return '';
  const declared = /charset\s*=\s*"?([^";\s]+)/i.exec(headers['content-type'] ?? '')?.[1];
  const cte = (headers['content-transfer-encoding'] ?? '7bit').split(/\s/)[0];
  const asText = async (charset: string) => {
    const head = Buffer.from(`Content-Type: text/plain; charset=${charset}\r\nContent-Transfer-Encoding: ${cte}\r\n\r\n`);
    return (await simpleParser(Buffer.concat([head, body]), { skipTextToHtml: true })).text ?? '';
  };
  const text = await asText(declared ?? 'utf-8');
  // Undeclared 8-bit text that is not UTF-8 is, in practice, Windows-1252.
  return !declared && text.includes('\uFFFD') ? asText('windows-1252') : text;
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
