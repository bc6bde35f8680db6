import { createCipheriv, createHash } from 'node:crypto';

/**
 * A large mail as a client sends it: a short text and one binary attachment of `bytes`
 * pseudo-random bytes (an AES-CTR keystream of `seed`: the same bytes on every run, and
 * incompressible), base64 in 76-character lines. `sha256` is the attachment's.
 */
export function largeAttachmentMail(o: { bytes: number; seed: number; subject: string; messageId: string; from?: string; to?: string }): { raw: Buffer; sha256: string; content: Buffer } {
  const key = createHash('sha256').update(`seed:${o.seed}`).digest().subarray(0, 16);
  const content = createCipheriv('aes-128-ctr', key, Buffer.alloc(16)).update(Buffer.alloc(o.bytes));
  const boundary = `----=_large_${o.seed}`;
  const head = [
    `From: ${o.from ?? 'Alice Example <alice@example.org>'}`,
    `To: ${o.to ?? 'Service Desk <desk@example.com>'}`,
    `Subject: ${o.subject}`,
    `Date: ${new Date().toUTCString()}`,
    `Message-ID: ${o.messageId}`,
    'MIME-Version: 1.0',
    `Content-Type: multipart/mixed; boundary="${boundary}"`,
    '',
    `--${boundary}`,
    'Content-Type: text/plain; charset=utf-8',
    '',
    `The measurements are attached (${o.bytes} bytes).`,
    `--${boundary}`,
    'Content-Type: application/octet-stream; name="measurements.bin"',
    'Content-Disposition: attachment; filename="measurements.bin"',
    'Content-Transfer-Encoding: base64',
    '',
    '',
  ].join('\r\n');
  const b64 = content.toString('base64');
  const lines: Buffer[] = [Buffer.from(head)];
  for (let i = 0; i < b64.length; i += 76) lines.push(Buffer.from(`${b64.slice(i, i + 76)}\r\n`, 'latin1'));
  lines.push(Buffer.from(`--${boundary}--\r\n`));
  return { raw: Buffer.concat(lines), sha256: createHash('sha256').update(content).digest('hex'), content };
}
