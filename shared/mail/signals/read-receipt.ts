import { header, hit, type Signal } from './signal';

/** A read receipt (RFC 8098 MDN): `multipart/report; report-type=disposition-notification`. */
export const readReceipt: Signal = {
  name: 'read-receipt',
  test: ({ mail }) => {
    const ct = header(mail, 'content-type') ?? '';
    const isMdn = (/^multipart\/report\b/i.test(ct) && /report-type\s*=\s*"?disposition-notification/i.test(ct))
      || mail.attachments.some((a) => a.contentType === 'message/disposition-notification');
    return isMdn ? hit('auto-reply', 'a read receipt (multipart/report; report-type=disposition-notification, RFC 8098)') : undefined;
  },
};
