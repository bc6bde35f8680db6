import { header, hit, type Signal } from './signal';

/**
 * `multipart/report` (RFC 6522) is a machine's format by definition: a report about a
 * mail, whatever its `report-type`. Delivery, disposition and feedback reports have
 * their own signals; this one catches the rest — an unknown or missing report-type,
 * and the machine-readable parts such reports carry (`text/rfc822-headers`).
 */
export const multipartReport: Signal = {
  name: 'multipart-report',
  test: ({ mail }) => {
    const ct = header(mail, 'content-type') ?? '';
    if (/report-type\s*=\s*"?(?:(?:global-)?delivery-status|(?:global-)?disposition-notification|feedback-report)/i.test(ct)) return undefined;
    if (/^multipart\/report\b/i.test(ct)) return hit('report', `Content-Type: ${ct.length > 100 ? `${ct.slice(0, 97)}...` : ct} (a machine's report, RFC 6522)`);
    const headersPart = mail.attachments.find((a) => a.contentType === 'text/rfc822-headers');
    return headersPart ? hit('report', 'a text/rfc822-headers part (the returned headers of a report, RFC 6522)') : undefined;
  },
};
