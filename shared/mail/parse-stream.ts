import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { MailParser, type AddressObject, type AttachmentStream, type HeaderLines, type Headers, type MailParserOptions, type MessageText } from 'mailparser';
import { isUuencodeEncoding } from './uudecode';

/**
 * mailparser's streaming `MailParser`, read the way `simpleParser` reads it (headers, the
 * text, every attachment in order) except that an attachment's content is not necessarily
 * kept: each one is hashed, measured and sampled (its first and last bytes, for the content
 * sniffer) as it flows past, and its bytes are kept only while the mail's `holdBytes` allow.
 * Parts whose checks need every byte are kept regardless: uuencoded parts (decoded after
 * the parse) and ZIP archives up to `holdZipBytes` (their central directory is at the end).
 *
 * With `holdBytes: Infinity` this is `simpleParser`; with a few MiB a 150 MB mail is parsed
 * in bounded memory, and the attachments not kept are streamed again from the stored raw
 * mail when they are to be stored (`streamAttachmentParts`).
 */

/** What the parse learned about an attachment's content; `content` when it was kept. */
export interface AttachmentBody {
  /** 1-based position among the mail's attachment parts (mailparser's order). */
  part: number;
  size: number;
  sha256: string;
  /** The first SAMPLE_HEAD_BYTES and last SAMPLE_TAIL_BYTES (the whole content when smaller). */
  sample: Buffer;
  content?: Buffer;
}

export type CollectedAttachment = Omit<AttachmentStream, 'content' | 'release' | 'checksum' | 'size'> & { body: AttachmentBody };

export interface CollectedMail {
  headers: Headers;
  headerLines: HeaderLines;
  text?: string;
  html?: string | false;
  textConversionError?: Error;
  attachments: CollectedAttachment[];
  /** The most attachment bytes this parse held at once (kept parts plus the part being read): what `holdBytes`/`holdPartBytes` bound. */
  peakHeldBytes: number;
  /** The address and subject headers as `simpleParser` lifts them out of `headers`. */
  subject?: string;
  from?: AddressObject;
  to?: AddressObject | AddressObject[];
  cc?: AddressObject | AddressObject[];
  replyTo?: AddressObject;
}

export const SAMPLE_HEAD_BYTES = 64 * 1024;
export const SAMPLE_TAIL_BYTES = 1024;
const ZIP_LOCAL_HEADER = Buffer.from([0x50, 0x4b, 0x03, 0x04]);

export interface CollectOptions {
  /** Attachment bytes kept in memory for the whole mail (kept parts count against it). */
  holdBytes: number;
  /**
   * A part is kept only up to this size (default: `holdBytes`). Its size is known only at its
   * end, so a big part is held until it passes this, then dropped: a low cap keeps a 25 MiB
   * attachment from holding (and leaving to the GC) megabytes the mail will not keep anyway.
   */
  holdPartBytes?: number;
  /** A ZIP archive up to this size is kept whole (its entries are checked); larger ones are refused by size anyway. */
  holdZipBytes: number;
  /** Called with each attachment part's content, for a caller that streams parts elsewhere. */
  onPart?: (part: number, content: Readable, att: AttachmentStream) => Promise<void>;
}

/** Parses `input` to its end; rejects on a parse error (the caller types it). */
export function collectMail(input: Readable, parserOptions: MailParserOptions, options: CollectOptions): Promise<CollectedMail> {
  return new Promise((resolve, reject) => {
    const parser = new MailParser(parserOptions);
    const mail: CollectedMail = { headers: new Map(), headerLines: [], attachments: [], peakHeldBytes: 0 };
    let held = 0;
    const holdPart = options.holdPartBytes ?? options.holdBytes;
    const holding = (partBytes: number) => {
      if (held + partBytes > mail.peakHeldBytes) mail.peakHeldBytes = held + partBytes;
    };
    let settled = false;
    const fail = (err: unknown) => {
      if (settled) return;
      settled = true;
      input.unpipe(parser);
      input.destroy();
      parser.destroy();
      reject(err instanceof Error ? err : new Error(String(err)));
    };
    parser.on('error', fail);
    input.once('error', fail);
    parser.on('headers', (headers: Headers) => {
      mail.headers = headers;
      mail.headerLines = parser.headerLines || [];
    });

    let reading = false;
    const reader = (): void => {
      reading = true;
      const data = parser.read() as (MessageText | AttachmentStream) | null;
      if (data === null) {
        reading = false;
        return;
      }
      if (data.type === 'text') {
        if (data.text !== undefined) mail.text = data.text;
        if (data.html !== undefined) mail.html = data.html;
        if (data.textConversionError) mail.textConversionError = data.textConversionError;
        reader();
        return;
      }
      const part = mail.attachments.length + 1;
      const att = data;
      const { content: stream, release, checksum: _checksum, size: _size, ...rest } = att;
      const keepAll = isUuencodeEncoding(headerString(att.headers.get('content-transfer-encoding')));
      const body = readBody(stream, part, () => Math.min(options.holdBytes - held, holdPart), keepAll, options.holdZipBytes, holding);
      const extra = options.onPart?.(part, stream, att);
      Promise.all([body, extra])
        .then(([b]) => {
          if (b.content) held += b.content.length;
          mail.attachments.push({ ...rest, body: b });
          release?.();
          reader();
        })
        .catch(fail);
    };
    parser.on('readable', () => {
      if (!reading) reader();
    });
    parser.on('end', () => {
      if (settled) return;
      settled = true;
      const h = mail.headers;
      if (typeof h.get('subject') === 'string') mail.subject = h.get('subject') as string;
      mail.from = h.get('from') as AddressObject | undefined;
      mail.to = h.get('to') as AddressObject | AddressObject[] | undefined;
      mail.cc = h.get('cc') as AddressObject | AddressObject[] | undefined;
      mail.replyTo = h.get('reply-to') as AddressObject | undefined;
      resolve(mail);
    });
    input.pipe(parser);
  });
}

/** Hashes, measures and samples one attachment's content, keeping it while `room()` allows. */
function readBody(stream: Readable, part: number, room: () => number, keepAll: boolean, holdZipBytes: number, holding: (bytes: number) => void): Promise<AttachmentBody> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    let size = 0;
    let chunks: Buffer[] | undefined = [];
    let head = Buffer.alloc(0);
    let tail = Buffer.alloc(0);
    stream.on('data', (chunk: Buffer) => {
      hash.update(chunk);
      size += chunk.length;
      if (head.length < SAMPLE_HEAD_BYTES) head = Buffer.concat([head, chunk.subarray(0, SAMPLE_HEAD_BYTES - head.length)]);
      tail = chunk.length >= SAMPLE_TAIL_BYTES ? Buffer.from(chunk.subarray(chunk.length - SAMPLE_TAIL_BYTES)) : Buffer.concat([tail, chunk]).subarray(-SAMPLE_TAIL_BYTES);
      if (!chunks) return;
      chunks.push(chunk);
      const zip = head.length >= 4 && head.subarray(0, 4).equals(ZIP_LOCAL_HEADER) && size <= holdZipBytes;
      if (!keepAll && !zip && size > room()) chunks = undefined; // past what this mail may hold: only the summary is kept
      else holding(size);
    });
    stream.once('error', reject);
    stream.once('end', () => {
      const content = chunks ? Buffer.concat(chunks, size) : undefined;
      // A content barely longer than the head gets a tail that overlaps it: the sniffer reads the end from the tail.
      const sample = content ?? (size <= SAMPLE_HEAD_BYTES ? head : Buffer.concat([head, tail]));
      resolve({ part, size, sha256: hash.digest('hex'), sample, ...(content ? { content } : {}) });
    });
  });
}

function headerString(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object' && 'value' in value && typeof value.value === 'string') return value.value;
  return undefined;
}
