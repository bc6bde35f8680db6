import { htmlToText } from 'html-to-text';
import { parseAddressHeader, simpleParser, type AddressObject, type ParsedMail as MailparserMail } from 'mailparser';
import { PermanentError } from '../errors';
import { sha256Hex, toAttachment, uuBlockAttachment, type AttachmentWithContent } from './attachments';
import { headerRecord } from './mime-headers';
import type { Address, ParsedMail } from './parsed-mail';
import { extractReplyText } from './reply-text';
import { sanitizeMailHtml } from './sanitize-html';
import { extractUuBlocks } from './uudecode';

/**
 * Raw MIME → `ParsedMail`, with mailparser's `simpleParser` doing the MIME work (every
 * charset through iconv-lite, encoded words, RFC 2231 names, nested multiparts, TNEF
 * kept as `winmail.dat`) and this module turning its output into our contract: ids
 * without angle brackets, ISO date, lower-cased headers, sanitized HTML, the reply text,
 * attachment metadata with sha256 (the content is returned apart, for Blob storage).
 *
 * Malformed input never crashes the caller: either it parses (problems listed in
 * `warnings`) or a `PermanentError` `MIME_UNPARSEABLE` says why it cannot.
 */

export interface ParsedMailWithContent {
  mail: ParsedMail;
  /** Attachment content by sha256 (the `sha256` of each `AttachmentInfo`). */
  attachmentContents: Map<string, Buffer>;
}

export const MIME_UNPARSEABLE = 'MIME_UNPARSEABLE';

/** Parses raw MIME. Throws `PermanentError(MIME_UNPARSEABLE)` when it is not a mail at all. */
export async function parseMail(raw: Buffer): Promise<ParsedMail> {
  return (await parseMailWithContent(raw)).mail;
}

/** Like `parseMail`, and also returns each attachment's content, keyed by its sha256. */
export async function parseMailWithContent(raw: Buffer): Promise<ParsedMailWithContent> {
  const headerStart = locateHeaders(raw);
  let parsed: MailparserMail;
  try {
    parsed = await simpleParser(headerStart > 0 ? raw.subarray(headerStart) : raw, {
      keepCidLinks: true, // inline images stay `cid:` references to the stored attachments
      keepDeliveryStatus: true, // DSN reports become attachments, as bounce evidence
      checksumAlgo: false, // we hash with sha256 ourselves (after uudecoding)
      maxHtmlLengthToParse: 5 * 1024 * 1024,
    });
  } catch (err) {
    throw new PermanentError(MIME_UNPARSEABLE, `the MIME structure cannot be parsed: ${errorMessage(err)}`, { cause: err });
  }

  const warnings: string[] = [];
  if (headerStart > 0) warnings.push(`skipped ${headerStart} byte(s) of text above the header block`);
  const headers = headerRecord(parsed.headerLines, parsed.headers);
  const rawHtml = typeof parsed.html === 'string' && parsed.html.trim() ? parsed.html : undefined;

  const attachments: AttachmentWithContent[] = await Promise.all(parsed.attachments.map((a, i) => toAttachment(a, i + 1, rawHtml, warnings)));

  let text = normalizeText(parsed.text ?? '');
  // mailparser converts HTML to text only for a root HTML part or an HTML part beside
  // text; an HTML-only multipart/related (Outlook with an inline image) is left without
  // text, so convert it here, with the same converter.
  if (!text && rawHtml) text = normalizeText(htmlFallbackText(rawHtml, warnings)).replace(/\n{3,}/g, '\n\n');
  // A multipart whose boundary never appears has no parts: its whole body would be lost.
  if (!text && !rawHtml && attachments.length === 0 && /^multipart\//i.test(headers['content-type'] ?? '')) {
    text = normalizeText(await partlessBodyText(raw.subarray(headerStart), headers));
    if (text) warnings.push('the multipart body has no parts (its boundary never appears); it is read as plain text');
  }
  const uu = extractUuBlocks(text);
  if (uu.blocks.length) {
    text = uu.text;
    for (const b of uu.blocks) attachments.push(uuBlockAttachment(b.filename, b.content, attachments.length + 1));
    warnings.push(`decoded ${uu.blocks.length} uuencoded block(s) in the text body into attachments`);
  }
  if (parsed.textConversionError) warnings.push(`the HTML body could not be converted to text: ${parsed.textConversionError.message}`);

  const html = rawHtml ? sanitizeMailHtml(rawHtml) : undefined;
  const from = senderOf(parsed, headers, warnings);
  const date = isoDate(headers.date);
  if (headers.date === undefined) warnings.push('the mail has no Date header');
  else if (!date) warnings.push(`the Date header is not a valid date: ${headers.date}`);
  const messageId = firstMessageId(headers['message-id']);
  if (!messageId) warnings.push('the mail has no Message-ID');

  const mail: ParsedMail = {
    messageId,
    inReplyTo: firstMessageId(headers['in-reply-to']),
    references: messageIds(headers.references ?? ''),
    from,
    replyTo: addresses(parsed.replyTo),
    to: addresses(parsed.to),
    cc: addresses(parsed.cc),
    subject: cleanSubject(parsed.subject ?? ''),
    date,
    text,
    html,
    replyText: extractReplyText(text, rawHtml),
    headers,
    attachments: attachments.map((a) => a.info),
    rawSha256: sha256Hex(raw),
    rawSize: raw.length,
    warnings,
  };
  return { mail, attachmentContents: new Map(attachments.map((a) => [a.info.sha256, a.content])) };
}

// ---------- input sanity ----------

/**
 * mailparser accepts anything (a JPEG parses as a mail with no headers), so the
 * obvious non-mails are refused here with a reason an admin can act on. Returns where
 * the header block starts: a mail exported with a line or two of junk above its headers
 * (e.g. "---- Original email message ----") is still read, with a warning.
 */
function locateHeaders(raw: Buffer): number {
  const unparseable = (reason: string) => new PermanentError(MIME_UNPARSEABLE, reason);
  if (raw.length === 0 || raw.toString('latin1').trim() === '') throw unparseable('the input is empty');

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

// ---------- field helpers ----------

/** The body of a part-less multipart, decoded as a text/plain part with the mail's own transfer encoding. */
async function partlessBodyText(raw: Buffer, headers: Record<string, string>): Promise<string> {
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

function htmlFallbackText(html: string, warnings: string[]): string {
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

function normalizeText(text: string): string {
  return text.replace(/\r\n?/g, '\n').replace(/[ \t]+$/gm, '').trim();
}

function addresses(header: AddressObject | AddressObject[] | undefined): Address[] {
  if (!header) return [];
  const out: Address[] = [];
  const visit = (list: { name: string; address?: string; group?: unknown[] }[]) => {
    for (const a of list) {
      if (a.group) visit(a.group as typeof list);
      else if (a.address) out.push({ address: a.address, name: a.name ?? '' });
    }
  };
  for (const h of Array.isArray(header) ? header : [header]) visit(h.value);
  return out;
}

/**
 * The sender: the first address of From. When From has none, another From line, then
 * Sender, Reply-To and Return-Path stand in (with a warning), as Zammad and FreeScout do.
 * An address with blanks inside its angle brackets (`<power quadrant x@example.com>`) is
 * kept verbatim rather than cut to its last word, which could be somebody else.
 */
function senderOf(parsed: MailparserMail, headers: Record<string, string>, warnings: string[]): Address | undefined {
  const fromLines = (headers.from ?? '').split('\n').filter(Boolean);
  const first = addresses(parsed.from)[0];
  if (first) {
    const bracketed = /<([^<>]*@[^<>]*)>\s*$/.exec(fromLines[0] ?? '')?.[1]?.trim();
    if (bracketed && bracketed !== first.address && /\s/.test(bracketed) && bracketed.endsWith(first.address)) {
      warnings.push(`the From address contains blanks: ${bracketed}`);
      return { ...first, address: bracketed };
    }
    return first;
  }
  for (const line of fromLines.slice(1)) {
    const other = addresses(parseAddressHeader(line))[0];
    if (other) {
      warnings.push('the first From header has no address; a later From header is used');
      return other;
    }
  }
  warnings.push(fromLines.length ? `the From header has no usable address: ${fromLines.join(' / ')}` : 'the mail has no From header');
  for (const name of ['sender', 'reply-to', 'return-path']) {
    const value = headers[name];
    const stand = value ? addresses(parseAddressHeader(value.split('\n')[0]!))[0] : undefined;
    if (stand) {
      warnings.push(`the sender is taken from the ${name} header`);
      return stand;
    }
  }
  return undefined;
}

/** Line breaks inside a decoded subject (`=?UTF-8?B?DQo…?=`) are not part of it. */
function cleanSubject(subject: string): string {
  return subject.replace(/[\r\n]+/g, '').replace(/\t/g, ' ');
}

/** Every `<id>` in a header, brackets removed; a bare id when there are no brackets. */
export function messageIds(value: string): string[] {
  const bracketed = [...value.matchAll(/<([^<>\s]+)>/g)].map((m) => m[1]!);
  if (bracketed.length) return bracketed;
  return value.split(/[\s,]+/).filter(Boolean);
}

function firstMessageId(value: string | undefined): string | undefined {
  return value ? messageIds(value)[0] : undefined;
}

/** ISO 8601 from an RFC 5322 date, comments and obsolete zone names tolerated. */
export function isoDate(value: string | undefined): string | undefined {
  if (!value) return undefined;
  const cleaned = value
    .replace(/\([^)]*\)/g, ' ')
    .replace(/\b(UT|GMT|Z)\s*$/i, '+0000')
    .replace(/\s+/g, ' ')
    .trim();
  let t = Date.parse(cleaned);
  // A header run into the next one ("… +0200Received: from …") still starts with a date.
  if (Number.isNaN(t)) t = Date.parse(/^.*?\d{1,2}:\d{2}(?::\d{2})?\s*[+-]\d{4}/.exec(cleaned)?.[0] ?? '');
  if (Number.isNaN(t)) return undefined;
  const year = new Date(t).getUTCFullYear();
  return year >= 1970 && year <= 9999 ? new Date(t).toISOString() : undefined;
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
