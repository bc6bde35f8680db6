import { randomBytes, randomUUID } from 'node:crypto';
import MailComposer from 'nodemailer/lib/mail-composer';

/**
 * Sample mails for the benchmarks, composed by nodemailer as a mail client would write
 * them. The mix is what a service desk receives: plain text, HTML with an inline image
 * (a logo or screenshot, referenced by `cid:`), a 200 KB PDF attachment, and replies
 * (`Re:`, In-Reply-To/References, a quoted previous message). Attachment bytes are random,
 * so every attachment is distinct (blobs are content-addressed: equal bytes would be stored once).
 */

export const MAIL_KINDS = ['plain', 'html-inline-image', 'pdf-200k', 'reply'] as const;
export type MailKind = (typeof MAIL_KINDS)[number];

/** Ten mails of the mix: 3 plain, 3 HTML with an inline image, 3 replies, 1 with a PDF. */
const MIX: readonly MailKind[] = ['plain', 'html-inline-image', 'reply', 'plain', 'html-inline-image', 'reply', 'plain', 'pdf-200k', 'reply', 'html-inline-image'];

export const PDF_BYTES = 200 * 1024;
const IMAGE_BYTES = 12 * 1024;

const PROBLEMS = [
  'Outlook keeps asking for my password',
  'VPN drops every few minutes',
  'Printer on floor 3 prints blank pages',
  'Cannot open shared calendar',
  'Laptop fan very loud since the update',
  'Teams crashes when sharing the screen',
  'New starter needs an account',
  'Invoice portal shows error 500',
];

const PARAGRAPH =
  'Since this morning the problem happens every time I try. I restarted the computer twice and ' +
  'cleared the cache as the intranet page suggests, but nothing changed. Colleagues in the same ' +
  'team see it too. Could you please have a look? I am in the office until 5 pm.';

export interface SampleMail {
  kind: MailKind;
  subject: string;
  /** Without angle brackets. */
  messageId: string;
  raw: Buffer;
}

export interface MailOptions {
  /** The mailbox the mail is addressed to. */
  to: string;
  /** Distinguishes the Message-IDs of one run from another's. */
  tag: string;
}

export const kindOf = (index: number): MailKind => MIX[index % MIX.length] ?? 'plain';

/** The index of the first mail of the mix that has this kind. */
export const firstIndexOf = (kind: MailKind): number => Math.max(0, MIX.indexOf(kind));

async function compose(options: ConstructorParameters<typeof MailComposer>[0]): Promise<Buffer> {
  return new MailComposer(options).compile().build();
}

/** Mail number `index` of the mix (1 in 10 carries the PDF). */
export async function sampleMail(index: number, opts: MailOptions): Promise<SampleMail> {
  const kind = kindOf(index);
  const problem = PROBLEMS[index % PROBLEMS.length] ?? 'Help';
  const messageId = `${opts.tag}-${index}-${randomUUID()}@client.example.org`;
  const customer = `customer${index % 50}`;
  const common = {
    from: `"Customer ${index % 50}" <${customer}@example.org>`,
    to: opts.to,
    messageId: `<${messageId}>`,
    date: new Date(),
  };
  const text = `Hello support,\n\n${problem}.\n\n${PARAGRAPH}\n\n${PARAGRAPH}\n\nKind regards,\nCustomer ${index % 50}\n`;
  let subject = `${problem} (#${index})`;
  let raw: Buffer;
  switch (kind) {
    case 'plain':
      raw = await compose({ ...common, subject, text });
      break;
    case 'html-inline-image': {
      const cid = `screenshot-${index}@client.example.org`;
      const html =
        `<html><body><p>Hello support,</p><p><b>${problem}.</b></p><p>${PARAGRAPH}</p>` +
        `<p>Here is a screenshot:</p><p><img src="cid:${cid}" alt="screenshot" width="640"></p>` +
        `<p>Kind regards,<br>Customer ${index % 50}</p></body></html>`;
      const png = Buffer.concat([Buffer.from('89504e470d0a1a0a', 'hex'), randomBytes(IMAGE_BYTES)]);
      raw = await compose({ ...common, subject, text, html, attachments: [{ filename: 'screenshot.png', content: png, contentType: 'image/png', cid }] });
      break;
    }
    case 'pdf-200k': {
      const pdf = Buffer.concat([Buffer.from('%PDF-1.7\n%\xe2\xe3\xcf\xd3\n', 'latin1'), randomBytes(PDF_BYTES)]);
      raw = await compose({ ...common, subject, text, attachments: [{ filename: `invoice-${index}.pdf`, content: pdf, contentType: 'application/pdf' }] });
      break;
    }
    case 'reply': {
      subject = `Re: ${subject}`;
      const previous = `<agent-${opts.tag}-${index}@desk.example.com>`;
      const quoted = `On Mon, 3 Mar 2025 at 09:12, Service Desk <${opts.to}> wrote:\n> Thank you for your message. Could you tell us which version you use?\n>\n> Kind regards,\n> Service Desk\n`;
      raw = await compose({
        ...common,
        subject,
        inReplyTo: previous,
        references: [previous],
        text: `Hi,\n\nIt is version 16.0.1 on Windows 11. ${PARAGRAPH}\n\nThanks,\nCustomer ${index % 50}\n\n${quoted}`,
      });
      break;
    }
  }
  return { kind, subject, messageId, raw };
}

/** `count` mails of the mix, numbered from `start`. */
export async function sampleMails(count: number, opts: MailOptions, start = 0): Promise<SampleMail[]> {
  const out: SampleMail[] = [];
  for (let i = start; i < start + count; i++) out.push(await sampleMail(i, opts));
  return out;
}

/** One mail carrying a binary attachment of `bytes` bytes (base64 in the MIME: about 4/3 of it). */
export async function bigAttachmentMail(bytes: number, opts: MailOptions): Promise<SampleMail> {
  const messageId = `${opts.tag}-big-${randomUUID()}@client.example.org`;
  const subject = 'Measurements of the broken laptop';
  const raw = await compose({
    from: '"Customer 1" <customer1@example.org>',
    to: opts.to,
    messageId: `<${messageId}>`,
    date: new Date(),
    subject,
    text: `Hello support,\n\nattached are the measurements you asked for.\n\n${PARAGRAPH}\n`,
    // .bin: an .img would be blocked by the attachment policy (Exchange's common filter) and never stored
    attachments: [{ filename: 'measurements.bin', content: randomBytes(bytes), contentType: 'application/octet-stream' }],
  });
  return { kind: 'plain', subject, messageId, raw };
}
