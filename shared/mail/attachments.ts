import { createHash } from 'node:crypto';
import { simpleParser } from 'mailparser';
import type { CollectedAttachment } from './parse-stream';
import { detectExtension, detectMimeType } from 'nodemailer/lib/mime-funcs/mime-types';
import { sniffContent, zipEntryNames } from './content-sniff';
import { extensionsOf } from './file-name';
import { withoutFormatCharacters } from './invisible-characters';
import type { AttachmentInfo } from './parsed-mail';
import { isUuencodeEncoding, uudecodePart } from './uudecode';

/**
 * Attachments as the pipeline sees them: metadata in `ParsedMail`, content apart
 * (keyed by sha256) so the parsed mail stays small, JSON-safe and loggable.
 */
export interface AttachmentWithContent {
  info: AttachmentInfo;
  /** Absent for a part of a large mail that was not kept (parse-stream.ts): it is streamed from the raw mail. */
  content?: Buffer;
  /** Its part number in the raw mail (undefined for a uuencoded block found in the text). */
  part?: number;
}

export function sha256Hex(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/** TNEF (Outlook's rich-text wrapper) is kept whole, under the name every client uses. */
const tnefTypes = new Set(['application/ms-tnef', 'application/vnd.ms-tnef']);

/**
 * Turns one mailparser attachment into ours. `index` is 1-based and names nameless parts
 * `attachment-N.ext`; `html` is the mail's HTML, which decides whether a `cid` part is
 * shown inline.
 */
export async function toAttachment(att: CollectedAttachment, index: number, html: string | undefined, warnings: string[]): Promise<AttachmentWithContent> {
  const contentType = (att.contentType || 'application/octet-stream').toLowerCase();
  let content = att.body.content;

  const cte = headerString(att.headers.get('content-transfer-encoding'));
  if (content && isUuencodeEncoding(cte)) {
    const decoded = uudecodePart(content);
    if (decoded) content = decoded;
    else warnings.push(`attachment ${index} says ${cte} but is not uuencoded; kept as sent`);
  }

  // A part not kept is judged by its sample (first and last bytes) and known by the hash taken as it streamed past.
  const bytes = content ?? att.body.sample;
  const cid = att.cid?.trim() || undefined;
  const info: AttachmentInfo = {
    filename: cleanFilename(att.filename) ?? (await describedFilename(att, contentType, bytes)) ?? fallbackFilename(contentType, index),
    contentType,
    size: content ? content.length : att.body.size,
    inline: !!cid && !!html && referencesCid(html, cid),
    sha256: content ? sha256Hex(content) : att.body.sha256,
  };
  if (cid) info.cid = cid;
  const facts = withContentFacts(info, att.filename, bytes);
  // A ZIP streamed past without being kept (larger than a large mail's parse holds) has
  // its names in a central directory at the end that the sample may not reach: mark it
  // unread, so the policy refuses what it could not look inside rather than passing it.
  if (!content && !facts.archive && isZipStart(bytes)) facts.archive = { extensions: [], truncated: false, unread: true };
  return { info: facts, ...(content ? { content } : { part: att.body.part }) };
}

function isZipStart(bytes: Buffer): boolean {
  return bytes.length >= 4 && bytes.readUInt32LE(0) === 0x04034b50;
}

/** Builds the attachment of a uuencoded block found in a text body. */
export function uuBlockAttachment(filename: string, content: Buffer, index: number): AttachmentWithContent {
  const name = cleanFilename(filename) ?? `attachment-${index}.bin`;
  const info: AttachmentInfo = { filename: name, contentType: detectMimeType(name) || 'application/octet-stream', size: content.length, inline: false, sha256: sha256Hex(content) };
  return { info: withContentFacts(info, filename, content), content };
}

/**
 * What the attachment policy needs beyond the shown name: the name as sent when cleaning
 * changed it (the policy reads both), and what the content is by its bytes.
 */
function withContentFacts(info: AttachmentInfo, sentName: string | undefined, content: Buffer): AttachmentInfo {
  const sent = sentName?.split(/[\\/]/).pop();
  if (sent && sent !== info.filename && sent.trim() !== info.filename) info.nameAsSent = sent.slice(0, 1024);
  const sniffed = sniffContent(content);
  if (sniffed) info.sniffed = sniffed;
  const entries = zipEntryNames(content);
  if (entries) info.archive = archiveExtensions(entries);
  return info;
}

/** Enough kinds for any real archive; more is itself a reason for the policy to refuse it. */
export const MAX_ARCHIVE_EXTENSIONS = 200;
/** Longer than any extension on a blocklist: kept out so a list of junk names stays small. */
const MAX_EXTENSION_LENGTH = 24;

function archiveExtensions(names: string[]): { extensions: string[]; truncated: boolean } {
  const found = new Set<string>();
  for (const name of names) {
    for (const ext of extensionsOf(name.split(/[\\/]/).pop() ?? '')) {
      if (ext.length > MAX_EXTENSION_LENGTH || found.has(ext)) continue;
      if (found.size === MAX_ARCHIVE_EXTENSIONS) return { extensions: [...found], truncated: true };
      found.add(ext);
    }
  }
  return { extensions: [...found], truncated: false };
}

/**
 * A name for a part that has none, from what describes it: an attached mail is named by
 * its subject (`Re: invoice.eml`), a part with a Content-Description by that
 * (`Delivery report.txt`), as mail clients show them.
 */
async function describedFilename(att: CollectedAttachment, contentType: string, content: Buffer): Promise<string | undefined> {
  let base: string | undefined;
  if (contentType === 'message/rfc822') base = await embeddedSubject(content);
  base ??= headerString(att.headers.get('content-description'))?.trim();
  // eslint-disable-next-line no-control-regex -- control characters are exactly what this looks for
  base = base?.replace(/[\\/\u0000-\u001f\u007f]+/g, '_').trim().slice(0, 120);
  if (!base) return undefined;
  const ext = contentType === 'message/rfc822' ? 'eml' : fallbackFilename(contentType, 0).split('.').pop();
  return base.toLowerCase().endsWith(`.${ext}`) ? base : `${base}.${ext}`;
}

/** The decoded Subject of an attached mail, read from its header block only. */
async function embeddedSubject(content: Buffer): Promise<string | undefined> {
  const text = content.subarray(0, 64 * 1024).toString('latin1');
  const end = text.search(/\r?\n\r?\n/);
  const head = content.subarray(0, end >= 0 ? end : Math.min(content.length, 64 * 1024));
  try {
    const parsed = await simpleParser(Buffer.concat([head, Buffer.from('\r\n\r\n')]), { skipHtmlToText: true, skipTextToHtml: true, skipImageLinks: true });
    return parsed.subject?.replace(/[\r\n]+/g, '').trim() || undefined;
  } catch {
    return undefined;
  }
}

export function fallbackFilename(contentType: string, index: number): string {
  if (tnefTypes.has(contentType)) return 'winmail.dat';
  const ext = contentType === 'message/delivery-status' ? 'txt' : detectExtension(contentType) || 'bin';
  return `attachment-${index}.${ext}`;
}

/**
 * Path parts, control characters and invisible format characters (a right-to-left
 * override would show `invoice\u202Efdp.exe` as `invoiceexe.pdf` on the ticket) never
 * reach a blob name, the ticket or a download header. The policy reads the raw name too.
 */
function cleanFilename(name: string | undefined): string | undefined {
  // eslint-disable-next-line no-control-regex -- control characters are exactly what this looks for
  const base = name?.split(/[\\/]/).pop()?.replace(/[\u0000-\u001f\u007f]/g, '');
  const shown = base === undefined ? undefined : withoutFormatCharacters(base).trim();
  return shown ? shown : undefined;
}

/** `cid:` references in the HTML, matched case-insensitively and URL-decoded. */
function referencesCid(html: string, cid: string): boolean {
  const want = cid.toLowerCase();
  for (const m of html.matchAll(/cid:([^"'\s)>]+)/gi)) {
    let ref = m[1]!;
    try {
      ref = decodeURIComponent(ref);
    } catch {
      /* keep as written */
    }
    if (ref.toLowerCase() === want) return true;
  }
  return false;
}

function headerString(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object' && 'value' in value && typeof value.value === 'string') return value.value;
  return undefined;
}
