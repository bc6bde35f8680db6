import { PassThrough, Readable, Transform } from 'node:stream';
import type { MailParserOptions } from 'mailparser';
import { collectMail, type CollectedMail, type CollectOptions } from './parse-stream';
import { PermanentError } from '../errors';
import { addresses, senderOf } from './addresses';
import { sha256Hex, toAttachment, uuBlockAttachment, type AttachmentWithContent } from './attachments';
import { htmlFallbackText, normalizeText, partlessBodyText } from './body-text';
import { locateHeaders, MIME_UNPARSEABLE } from './header-block';
import { cleanSubject, firstMessageId, headerRecord, isoDate, messageIds } from './mime-headers';
import type { ParsedMail } from './parsed-mail';
import { extractReplyHtml, extractReplyText } from './reply-text';
import { sanitizeMailHtml } from './sanitize-html';
import { limitHtmlDepth, MAX_HTML_DEPTH } from './html-depth';
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
  /** Attachment content by sha256 (the `sha256` of each `AttachmentInfo`), for the attachments kept in memory. */
  attachmentContents: Map<string, Buffer>;
  /**
   * A large mail's attachments that were not kept: their part number in the stored raw
   * mail, by sha256, to be streamed from there (`streamAttachmentParts`).
   */
  attachmentsInRaw?: { rawBlob: string; parts: Map<string, number> };
}

export { MIME_UNPARSEABLE } from './header-block';

// MailParser leaves `cid:` links as they are (inline images stay references to the stored attachments).
const PARSER_OPTIONS: MailParserOptions = {
  keepDeliveryStatus: true, // DSN reports become attachments, as bounce evidence
  checksumAlgo: false, // we hash with sha256 ourselves (after uudecoding)
  maxHtmlLengthToParse: 5 * 1024 * 1024,
  // HTML is converted to text here, after its depth is bounded (html-depth.ts):
  // mailparser's own depth check skips elements with optional end tags, and
  // `<li><p>` pairs nest as deep as any `<div>`s (80,000 of them took 7 s there)
  skipHtmlToText: true,
};

/** Parses raw MIME. Throws `PermanentError(MIME_UNPARSEABLE)` when it is not a mail at all. */
export async function parseMail(raw: Buffer): Promise<ParsedMail> {
  return (await parseMailWithContent(raw)).mail;
}

/** Like `parseMail`, and also returns each attachment's content, keyed by its sha256. */
export async function parseMailWithContent(raw: Buffer): Promise<ParsedMailWithContent> {
  const headerStart = locateHeaders(raw);
  const body = headerStart > 0 ? raw.subarray(headerStart) : raw;
  const parsed = await collectOrThrow(Readable.from([body]), { holdBytes: Number.POSITIVE_INFINITY, holdZipBytes: Number.POSITIVE_INFINITY });
  return finish(parsed, { headerStart, rawSha256: sha256Hex(raw), rawSize: raw.length, body: async () => body });
}

/** What a large mail's parse keeps in memory: attachment bytes (small parts, for the bounce reader and the policy). */
export const STREAMED_HOLD_BYTES = 8 * 1024 * 1024;
/**
 * A part of a large mail is kept only up to 1 MiB: bigger ones are streamed from the stored
 * raw mail when stored. Holding a 25 MiB attachment up to the mail's 8 MiB before dropping it
 * cost those 8 MiB, promoted to the old generation, until a full GC.
 */
export const STREAMED_HOLD_PART_BYTES = 1024 * 1024;
/** ZIP archives up to the attachment policy's size limit are kept whole so their entries are checked. */
export const STREAMED_HOLD_ZIP_BYTES = 25 * 1024 * 1024;
/** The start of a large mail read for its header position and for a multipart without parts. */
const STREAMED_HEAD_BYTES = 1024 * 1024;

/** Where a stored raw mail is read from: the whole of it, or its first `count` bytes. */
export type OpenRaw = (range?: { count: number }) => Promise<Readable>;

/**
 * A large mail parsed from its stored raw MIME as a stream (never held whole): attachments
 * beyond STREAMED_HOLD_BYTES are hashed on the way and listed in `attachmentsInRaw`.
 */
export async function parseStoredMail(rawBlob: string, open: OpenRaw, raw: { sha256: string; size: number }): Promise<ParsedMailWithContent> {
  const { head, headerStart, input } = await openFromHeaders(open);
  const parsed = await collectOrThrow(input, { holdBytes: STREAMED_HOLD_BYTES, holdPartBytes: STREAMED_HOLD_PART_BYTES, holdZipBytes: STREAMED_HOLD_ZIP_BYTES });
  const { parts, ...out } = await finish(parsed, { headerStart, rawSha256: raw.sha256, rawSize: raw.size, body: async () => head.subarray(headerStart) });
  return parts.size ? { ...out, attachmentsInRaw: { rawBlob, parts } } : out;
}

/**
 * Streams the wanted attachment parts of a stored raw mail (by part number, as
 * `parseStoredMail` numbered them) to `put`, as a second parse of the raw mail passes
 * them; the other parts are skipped over.
 */
export async function streamAttachmentParts(open: OpenRaw, wanted: ReadonlySet<number>, put: (part: number, content: Readable) => Promise<void>): Promise<void> {
  const { input } = await openFromHeaders(open);
  await collectOrThrow(input, {
    holdBytes: 0,
    holdZipBytes: 0,
    onPart: async (part, content) => {
      if (!wanted.has(part)) return;
      const pass = new PassThrough();
      content.pipe(pass);
      await put(part, pass);
    },
  });
}

/** The stored raw mail from its header block on (text above it skipped, as `parseMailWithContent` does). */
async function openFromHeaders(open: OpenRaw): Promise<{ head: Buffer; headerStart: number; input: Readable }> {
  const head = await readAll(await open({ count: STREAMED_HEAD_BYTES }));
  const headerStart = locateHeaders(head);
  const input = await open();
  return { head, headerStart, input: headerStart > 0 ? skipBytes(input, headerStart) : input };
}

async function collectOrThrow(input: Readable, options: CollectOptions): Promise<CollectedMail> {
  try {
    return await collectMail(input, PARSER_OPTIONS, options);
  } catch (err) {
    throw new PermanentError(MIME_UNPARSEABLE, `the MIME structure cannot be parsed: ${errorMessage(err)}`, { cause: err });
  }
}

interface RawFacts {
  headerStart: number;
  rawSha256: string;
  rawSize: number;
  /** The raw body after the header position (a large mail: its start), for a multipart without parts. */
  body: () => Promise<Buffer>;
}

async function finish(parsed: CollectedMail, raw: RawFacts): Promise<ParsedMailWithContent & { parts: Map<string, number> }> {
  const { headerStart } = raw;
  const warnings: string[] = [];
  if (headerStart > 0) warnings.push(`skipped ${headerStart} byte(s) of text above the header block`);
  const headers = headerRecord(parsed.headerLines, parsed.headers);
  // Depth bounded before any HTML parser of ours sees it (html-depth.ts: deep nesting is quadratic there).
  const depthLimited = typeof parsed.html === 'string' && parsed.html.trim() ? limitHtmlDepth(parsed.html) : undefined;
  if (depthLimited?.dropped) warnings.push(`the HTML body nests deeper than ${MAX_HTML_DEPTH} levels: ${depthLimited.dropped} tag(s) past that were dropped, their text kept`);
  const rawHtml = depthLimited?.html;

  const attachments: AttachmentWithContent[] = await Promise.all(parsed.attachments.map((a, i) => toAttachment(a, i + 1, rawHtml, warnings)));

  let text = normalizeText(parsed.text ?? '');
  if (!text && rawHtml) text = normalizeText(htmlFallbackText(rawHtml, warnings)).replace(/\n{3,}/g, '\n\n');
  // A multipart whose boundary never appears has no parts: its whole body would be lost.
  if (!text && !rawHtml && attachments.length === 0 && /^multipart\//i.test(headers['content-type'] ?? '')) {
    text = normalizeText(await partlessBodyText(await raw.body(), headers));
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
    replyHtml: rawHtml ? extractReplyHtml(rawHtml, html, text) : undefined,
    headers,
    attachments: attachments.map((a) => a.info),
    rawSha256: raw.rawSha256,
    rawSize: raw.rawSize,
    warnings,
  };
  const contents = new Map<string, Buffer>();
  const parts = new Map<string, number>();
  for (const a of attachments) {
    if (a.content) contents.set(a.info.sha256, a.content);
    else if (a.part !== undefined) parts.set(a.info.sha256, a.part);
  }
  return { mail, attachmentContents: contents, parts };
}

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** The stream without its first `n` bytes (text above the header block). */
function skipBytes(input: Readable, n: number): Readable {
  let left = n;
  const out = new Transform({
    transform(chunk: Buffer, _enc, done) {
      if (left >= chunk.length) {
        left -= chunk.length;
        return done();
      }
      const rest = chunk.subarray(left);
      left = 0;
      done(null, rest);
    },
  });
  input.once('error', (err) => out.destroy(err));
  return input.pipe(out);
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
