import { randomUUID } from 'node:crypto';

/**
 * A Postfix delivery status notification (RFC 3464, `multipart/report`) returning the
 * headers of the mail `originalId` that could not be delivered to `recipient`: what a bounce
 * of one of our mails looks like to the pipeline.
 */
export function postfixBounce(o: { originalId: string; recipient: string; to: string; originalFrom: string; originalSubject: string }): Buffer {
  const b = 'dsn-boundary-1';
  return Buffer.from(
    [
      'From: MAILER-DAEMON@mx.bounce.example (Mail Delivery System)',
      `To: ${o.to}`,
      'Subject: Undelivered Mail Returned to Sender',
      `Message-ID: <${randomUUID()}@mx.bounce.example>`,
      `Date: ${new Date().toUTCString()}`,
      'Auto-Submitted: auto-replied',
      'MIME-Version: 1.0',
      `Content-Type: multipart/report; report-type=delivery-status; boundary="${b}"`,
      '',
      `--${b}`,
      'Content-Type: text/plain; charset=us-ascii',
      '',
      'This is the mail system at host mx.bounce.example.',
      '',
      "I'm sorry to have to inform you that your message could not be delivered to one or more recipients.",
      '',
      `--${b}`,
      'Content-Type: message/delivery-status',
      '',
      'Reporting-MTA: dns; mx.bounce.example',
      '',
      `Final-Recipient: rfc822; ${o.recipient}`,
      'Action: failed',
      'Status: 5.1.1',
      `Diagnostic-Code: smtp; 550 5.1.1 <${o.recipient}>: Recipient address rejected: User unknown in virtual mailbox table`,
      '',
      `--${b}`,
      'Content-Type: text/rfc822-headers',
      '',
      `From: ${o.originalFrom}`,
      `To: ${o.recipient}`,
      `Subject: ${o.originalSubject}`,
      `Message-ID: ${o.originalId}`,
      '',
      `--${b}--`,
      '',
    ].join('\r\n'),
  );
}
