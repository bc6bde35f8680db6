import { simpleParser, type ParsedMail as MailparserMail } from 'mailparser';
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
  /** Attachment content by sha256 (the `sha256` of each `AttachmentInfo`). */
  attachmentContents: Map<string, Buffer>;
}

export { MIME_UNPARSEABLE } from './header-block';

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
      // HTML is converted to text here, after its depth is bounded (html-depth.ts):
      // mailparser's own depth check skips elements with optional end tags, and
      // `<li><p>` pairs nest as deep as any `<div>`s (80,000 of them took 7 s there)
      skipHtmlToText: true,
    });
  } catch (err) {
    throw new PermanentError(MIME_UNPARSEABLE, `the MIME structure cannot be parsed: ${errorMessage(err)}`, { cause: err });
  }

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
    replyHtml: rawHtml ? extractReplyHtml(rawHtml, html, text) : undefined,
    headers,
    attachments: attachments.map((a) => a.info),
    rawSha256: sha256Hex(raw),
    rawSize: raw.length,
    warnings,
  };
  return { mail, attachmentContents: new Map(attachments.map((a) => [a.info.sha256, a.content])) };
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
