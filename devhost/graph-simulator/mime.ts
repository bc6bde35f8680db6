import type { IncomingMessage } from 'node:http';
import { simpleParser, type AddressObject, type EmailAddress } from 'mailparser';
import { GraphHttpError, readBody } from './http-util';

/** A Graph `recipient`: `{ emailAddress: { name, address } }`. */
export interface GraphRecipient {
  emailAddress: { name: string; address: string };
}

/** The message properties Graph derives from the MIME (everything but ids, folder and flags). */
export interface MessageMeta {
  subject: string | null;
  from: GraphRecipient | null;
  toRecipients: GraphRecipient[];
  ccRecipients: GraphRecipient[];
  bccRecipients: GraphRecipient[];
  replyTo: GraphRecipient[];
  sentDateTime: string | null;
  /** With angle brackets, as Graph returns it; null when the MIME has no Message-ID. */
  internetMessageId: string | null;
  hasAttachments: boolean;
  bodyPreview: string;
  body: { contentType: 'html' | 'text'; content: string };
  importance: 'low' | 'normal' | 'high';
}

function flatten(addr: AddressObject | AddressObject[] | undefined): EmailAddress[] {
  if (!addr) return [];
  const list = Array.isArray(addr) ? addr : [addr];
  const out: EmailAddress[] = [];
  const walk = (entries: EmailAddress[]) => {
    for (const e of entries) {
      if (e.group) walk(e.group);
      else out.push(e);
    }
  };
  for (const a of list) walk(a.value);
  return out;
}

function recipients(addr: AddressObject | AddressObject[] | undefined): GraphRecipient[] {
  return flatten(addr)
    .filter((e) => e.address)
    .map((e) => ({ emailAddress: { name: e.name || (e.address ?? ''), address: e.address ?? '' } }));
}

function importanceOf(priority: string | undefined): MessageMeta['importance'] {
  if (priority === 'high') return 'high';
  if (priority === 'low') return 'low';
  return 'normal';
}

/** Parses the raw RFC 822 bytes as Exchange would to fill the message resource. */
export async function deriveMeta(raw: Buffer): Promise<MessageMeta> {
  const parsed = await simpleParser(raw, { skipImageLinks: true, skipTextToHtml: true });
  const text = (parsed.text ?? '').replace(/\s+/g, ' ').trim();
  const html = typeof parsed.html === 'string' ? parsed.html : null;
  const messageId = parsed.messageId ? (parsed.messageId.startsWith('<') ? parsed.messageId : `<${parsed.messageId}>`) : null;
  return {
    subject: parsed.subject ?? null,
    from: recipients(parsed.from)[0] ?? null,
    toRecipients: recipients(parsed.to),
    ccRecipients: recipients(parsed.cc),
    bccRecipients: recipients(parsed.bcc),
    replyTo: recipients(parsed.replyTo),
    sentDateTime: parsed.date && !Number.isNaN(parsed.date.getTime()) ? parsed.date.toISOString().replace(/\.\d{3}Z$/, 'Z') : null,
    internetMessageId: messageId,
    hasAttachments: parsed.attachments.some((a) => a.contentDisposition !== 'inline'),
    bodyPreview: text.slice(0, 255),
    body: html !== null ? { contentType: 'html', content: html } : { contentType: 'text', content: parsed.text ?? '' },
    importance: importanceOf((parsed as { priority?: string }).priority),
  };
}

/** Base64 (line breaks taken out first), padded. */
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * The body of a sendMail in MIME format (Content-Type text/plain): base64 of a whole MIME
 * message. Refused as Graph does: not base64 → ErrorMimeContentInvalidBase64String; not a
 * message with a sender and a recipient → ErrorMimeContentInvalid.
 */
export async function mimeFromBase64Body(req: IncomingMessage): Promise<Buffer> {
  const text = (await readBody(req)).toString('ascii').trim();
  const compact = text.replace(/[\r\n]/g, '');
  if (compact.length === 0 || compact.length % 4 !== 0 || !BASE64.test(compact)) {
    throw new GraphHttpError(400, 'ErrorMimeContentInvalidBase64String', 'Invalid base64 string for MIME content.');
  }
  const raw = Buffer.from(compact, 'base64');
  const meta = await deriveMeta(raw);
  const head = raw.subarray(0, Math.max(0, raw.indexOf('\r\n\r\n'))).toString('latin1');
  if (!head || !meta.from || meta.toRecipients.length + meta.ccRecipients.length + meta.bccRecipients.length === 0) {
    throw new GraphHttpError(400, 'ErrorMimeContentInvalid', 'Invalid MIME content.');
  }
  return raw;
}
