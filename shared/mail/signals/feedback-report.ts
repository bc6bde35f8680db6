import { header, hit, type Signal } from './signal';

/**
 * Abuse and spam feedback reports — the Abuse Reporting Format (ARF, RFC 5965):
 * `multipart/report; report-type=feedback-report` with a `message/feedback-report`
 * part. DMARC failure reports (RFC 6591, `Feedback-Type: auth-failure`) use the same
 * format. Some feedback loops (Microsoft JMRP, older Yahoo/AOL ones) send the report
 * as `multipart/mixed` with the feedback fields at the top of the text body, or as
 * "complaint about message from <IP>" with the complained-of mail attached (Microsoft
 * JMRP, which stamps `X-HmXmrOriginalRecipient` into that copy); those count too.
 */
const jmrpSubject = /^\s*complaint about message from \[?[0-9a-f]{1,4}[.:][0-9a-f.:]+\]?\s*$/i;
const feedbackTypeLine = /^Feedback-Type:[ \t]*(abuse|fraud|virus|other|not-spam|auth-failure|opt-out|complaint)\b/im;

export const feedbackReport: Signal = {
  name: 'feedback-report',
  test: ({ mail }) => {
    const ct = header(mail, 'content-type') ?? '';
    if (/^multipart\/report\b/i.test(ct) && /report-type\s*=\s*"?feedback-report/i.test(ct)) {
      return hit('report', 'Content-Type: multipart/report; report-type=feedback-report (ARF feedback report, RFC 5965/6591)');
    }
    const part = mail.attachments.find((a) => a.contentType === 'message/feedback-report');
    if (part) return hit('report', 'a message/feedback-report part (ARF feedback report, RFC 5965/6591)');
    const jmrp = header(mail, 'x-hmxmroriginalrecipient');
    if (jmrp !== undefined) return hit('report', `X-HmXmrOriginalRecipient: ${jmrp} (Microsoft junk-mail feedback report)`);
    if (jmrpSubject.test(mail.subject)) return hit('report', `Subject "${mail.subject.trim()}" is a Microsoft JMRP junk-mail complaint`);
    const field = feedbackTypeLine.exec(mail.text.slice(0, 4000));
    if (field && /^Version:/im.test(mail.text.slice(0, 4000))) {
      return hit('report', `the body carries ARF feedback fields (Feedback-Type: ${field[1]}, RFC 5965)`);
    }
    return undefined;
  },
};
