import { header, hit, type Signal } from './signal';

const reportTypes = /^message\/(?:global-)?delivery-status$/;

/**
 * A delivery status notification (RFC 3464): `multipart/report;
 * report-type=delivery-status`, or a `message/delivery-status` part anywhere.
 */
export const deliveryReport: Signal = {
  name: 'delivery-report',
  test: ({ mail }) => {
    const ct = header(mail, 'content-type') ?? '';
    if (/^multipart\/report\b/i.test(ct) && /report-type\s*=\s*"?(?:global-)?delivery-status/i.test(ct)) {
      return hit('bounce', 'Content-Type: multipart/report; report-type=delivery-status (RFC 3464 DSN)');
    }
    const part = mail.attachments.find((a) => reportTypes.test(a.contentType));
    return part ? hit('bounce', `a ${part.contentType} part (RFC 3464 DSN)`) : undefined;
  },
};
