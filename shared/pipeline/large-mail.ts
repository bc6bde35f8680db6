import { createHash } from 'node:crypto';
import { Readable, Transform } from 'node:stream';
import { z } from 'zod';
import { PermanentError } from '../errors';
import { locateHeaders } from '../mail/header-block';
import { parseMail, parseStoredMail, streamAttachmentParts, type OpenRaw, type ParsedMailWithContent } from '../mail/parse';
import type { ParsedMail } from '../mail/parsed-mail';
import type { SourceRef } from '../queue/contracts';
import type { MailSource } from '../sources/mail-source';

/**
 * Large mail, in bounded memory. A mail is read from its source as a stream; up to
 * `streamAboveBytes` it is buffered and handled in memory as ever (one Blob write, parse
 * from the buffer: the fast path for nearly all mail). A larger one goes on streaming
 * straight into Blob, hashed and counted on the way, and is parsed from Blob as a stream
 * (parse.ts `parseStoredMail`): attachments not kept in memory are streamed from the
 * stored raw mail again when they are stored (`storeAttachmentsFromRaw`). What one large
 * mail holds is bounded (`STREAMED_MAIL_HELD_BYTES`), whatever its size.
 *
 * A mail larger than `maxMailBytes` is neither stored nor parsed: reading stops at the
 * limit, and the pipeline records it from its header block with the reason (`MAIL_TOO_LARGE`).
 */

export interface LargeMailDeps {
  streamAboveBytes: number;
  maxMailBytes: number;
  putRawStream(name: string, body: Readable): Promise<void>;
  openRaw(name: string, range?: { count: number }): Promise<Readable>;
  /** Stores `body` under its sha256, refusing (never committing) bytes that hash otherwise. */
  putAttachmentStream(sha256: string, body: Readable, contentType: string): Promise<string>;
}

export type Intake =
  | { kind: 'buffered'; raw: Buffer }
  | { kind: 'stored'; rawBlob: string; rawSha256: string; rawSize: number }
  /** Over the limit: `head` is the start of the mail (its header block), `readBytes` how far it was read. */
  | { kind: 'too-large'; head: Buffer; readBytes: number };

/** Mails up to this size are buffered (most mail; one Blob write): 4 MiB. */
export const DEFAULT_STREAM_ABOVE_MIB = 4;
/** Exchange Online's largest mail is 150 MB; a bit of room above it. */
export const DEFAULT_MAX_MAIL_MIB = 200;
/**
 * What a streamed mail holds at most, for the memory budget: the buffered start
 * (streamAboveBytes, 4 MiB), the Blob upload's blocks (blobs.ts: 2 in flight + 1 gathering,
 * 1 MiB each), the attachments kept (parse.ts STREAMED_HOLD_BYTES, 8 MiB, no part over
 * 1 MiB, or one ZIP up to 25 MiB) and the text bodies — about 33 MiB with a ZIP. The rest of
 * the measured peak (bench rss: ~30–37 MB above the idle RSS for 34 MB and 150 MB mails
 * alike) is V8's: dead socket and decode buffers wait for the next scavenge (which comes with
 * heap allocation, or is forced once the young generation's ArrayBuffers reach ~64 MB on Node
 * 20) — a ceiling per process, shared by the mails in flight, not a cost per mail.
 */
export const STREAMED_MAIL_HELD_BYTES = 48 * 1024 * 1024;

const LargeMailEnv = z.object({
  STREAM_MAIL_ABOVE_MIB: z.coerce.number().int().min(1).max(1024).catch(DEFAULT_STREAM_ABOVE_MIB).default(DEFAULT_STREAM_ABOVE_MIB),
  MAX_MAIL_MIB: z.coerce.number().int().min(1).max(4096).catch(DEFAULT_MAX_MAIL_MIB).default(DEFAULT_MAX_MAIL_MIB),
});

/** The limits from app settings (`STREAM_MAIL_ABOVE_MIB`, `MAX_MAIL_MIB`); invalid values are ignored. */
export function largeMailLimitsFromEnv(env: NodeJS.ProcessEnv = process.env): Pick<LargeMailDeps, 'streamAboveBytes' | 'maxMailBytes'> {
  const e = LargeMailEnv.parse(env);
  return { streamAboveBytes: e.STREAM_MAIL_ABOVE_MIB * 1024 * 1024, maxMailBytes: e.MAX_MAIL_MIB * 1024 * 1024 };
}

class OverLimit extends Error {}

/**
 * Reads the mail at `ref`: buffered when small, else streamed into the blob `rawBlob`;
 * stops at the size limit. A source without `streamRaw` is fetched whole (buffered).
 */
export async function takeIn(source: MailSource, ref: SourceRef, rawBlob: string, deps: LargeMailDeps): Promise<Intake> {
  if (!source.streamRaw) {
    const raw = await source.fetchRaw(ref);
    return raw.length > deps.maxMailBytes ? { kind: 'too-large', head: Buffer.from(raw.subarray(0, HEAD_BYTES)), readBytes: raw.length } : { kind: 'buffered', raw };
  }
  return source.streamRaw(ref, async (body) => {
    const it = body[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
    const start: Buffer[] = [];
    let read = 0;
    while (read <= deps.streamAboveBytes) {
      const next = await it.next();
      if (next.done) return { kind: 'buffered', raw: Buffer.concat(start, read) };
      start.push(next.value);
      read += next.value.length;
      if (read > deps.maxMailBytes) return { kind: 'too-large', head: Buffer.concat(start, Math.min(read, HEAD_BYTES)), readBytes: read };
    }
    // a copy of the head alone: a view into the concatenated start would keep all of it alive during the upload
    const head = Buffer.concat(start, Math.min(read, HEAD_BYTES));
    const hash = createHash('sha256');
    let size = 0;
    const rest = Readable.from(
      (async function* () {
        yield* start.splice(0); // handed over: the start is no longer held here
        for (let next = await it.next(); !next.done; next = await it.next()) yield next.value;
      })(),
    );
    const counted = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        size += chunk.length;
        if (size > deps.maxMailBytes) return done(new OverLimit());
        hash.update(chunk);
        done(null, chunk);
      },
    });
    rest.once('error', (err) => counted.destroy(err));
    try {
      await deps.putRawStream(rawBlob, rest.pipe(counted));
    } catch (err) {
      if (size > deps.maxMailBytes) return { kind: 'too-large', head, readBytes: size };
      throw err;
    } finally {
      rest.destroy();
    }
    return { kind: 'stored', rawBlob, rawSha256: hash.digest('hex'), rawSize: size };
  });
}

/** The start of a mail kept for its header block when it is too large. */
const HEAD_BYTES = 256 * 1024;

/** What the record of a too-large mail can say: its header block parsed (the body never is). */
export async function headerFactsOf(head: Buffer): Promise<ParsedMail | undefined> {
  try {
    const at = locateHeaders(head);
    const text = head.subarray(at);
    const crlf = text.indexOf('\r\n\r\n');
    const lf = text.indexOf('\n\n');
    const end = [crlf, lf].filter((i) => i >= 0).reduce((a, b) => Math.min(a, b), text.length);
    return await parseMail(Buffer.concat([text.subarray(0, end), Buffer.from('\r\n\r\n')]));
  } catch {
    return undefined;
  }
}

/** The reason a too-large mail is recorded with. */
export function tooLargeError(readBytes: number, maxMailBytes: number): PermanentError {
  return new PermanentError('MAIL_TOO_LARGE', `the mail is larger than the limit of ${maxMailBytes} bytes (${readBytes} bytes read before stopping); it was neither stored nor parsed`);
}

/** A stored large mail parsed from Blob as a stream. */
export function parseStored(r: { rawBlob: string; rawSha256: string; rawSize: number }, deps: Pick<LargeMailDeps, 'openRaw'>): Promise<ParsedMailWithContent> {
  const open: OpenRaw = (range) => deps.openRaw(r.rawBlob, range);
  return parseStoredMail(r.rawBlob, open, { sha256: r.rawSha256, size: r.rawSize });
}

/**
 * Stores the wanted attachments of a large mail, streamed from its stored raw mail in one
 * more parse pass; each is checked against the hash its name is made of. Returns blob names by sha256.
 */
export async function storeAttachmentsFromRaw(
  inRaw: NonNullable<ParsedMailWithContent['attachmentsInRaw']>,
  wanted: readonly { sha256: string; contentType: string }[],
  deps: Pick<LargeMailDeps, 'openRaw' | 'putAttachmentStream'>,
): Promise<Map<string, string>> {
  const byPart = new Map<number, { sha256: string; contentType: string }>();
  for (const w of wanted) {
    const part = inRaw.parts.get(w.sha256);
    if (part !== undefined) byPart.set(part, w);
  }
  const stored = new Map<string, string>();
  if (byPart.size === 0) return stored;
  const open: OpenRaw = (range) => deps.openRaw(inRaw.rawBlob, range);
  await streamAttachmentParts(open, new Set(byPart.keys()), async (part, content) => {
    const w = byPart.get(part)!;
    // parsing the same stored bytes the same way gives the same parts; should it not, the
    // store refuses bytes that do not hash to their name before committing them (blobs.ts)
    stored.set(w.sha256, await deps.putAttachmentStream(w.sha256, content, w.contentType));
  });
  return stored;
}
