import { header, noAutoResponseHint, type Signal } from './signal';

/**
 * `X-Auto-Response-Suppress` (Microsoft, [MS-OXCMAIL] 2.2.3.2.20) asks the recipient's
 * automation not to answer: Outlook sets it on meeting responses, distribution-list and
 * many system mails. It does not prove a machine wrote the mail (a person's forward
 * carries it too), so it only withholds the auto-response; `Precedence`-style mass
 * mail and machine kinds are judged by the other signals.
 */
export const autoResponseSuppress: Signal = {
  name: 'auto-response-suppress',
  test: ({ mail }) => {
    const value = header(mail, 'x-auto-response-suppress');
    // Only the flags that cover an acknowledgement: All, and AutoReply (OOF, DR, RN … do not).
    if (value === undefined || !value.split(/[,\s]+/).some((f) => /^(?:all|autoreply)$/i.test(f))) return undefined;
    return noAutoResponseHint(`X-Auto-Response-Suppress: ${value || '(empty)'} asks not to answer it automatically`);
  },
};
