import { hit, type Signal } from './signal';

/**
 * DMARC aggregate reports (RFC 7489 §7.2.1.1): a zip or gzip attachment named
 * `receiver!policy-domain!begin!end[!unique-id].xml[.gz|.zip]`, or `.zip`, and the
 * subject §7.2.1.2 prescribes, "Report Domain: <domain> Submitter: <receiver> …".
 */
const reportFile = /^[^!\s]+![^!\s]+!\d+!\d+(?:![^!\s]*)?\.(?:xml|xml\.gz|xml\.zip|zip|gz)$/i;
const reportSubject = /^\s*(?:\[[^\]]{0,40}\]\s*)?Report\s+domain:\s*\S+\s+Submitter:\s*\S/i;

export const dmarcAggregate: Signal = {
  name: 'dmarc-aggregate',
  test: ({ mail }) => {
    const file = mail.attachments.find((a) => reportFile.test(a.filename));
    if (file) return hit('report', `the attachment ${file.filename} is a DMARC aggregate report (RFC 7489 §7.2.1.1)`);
    if (reportSubject.test(mail.subject)) return hit('report', `Subject "${mail.subject.trim()}" is a DMARC aggregate report's (RFC 7489 §7.2.1.2)`);
    return undefined;
  },
};
