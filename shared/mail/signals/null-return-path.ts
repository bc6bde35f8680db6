import { header, hit, type Signal } from './signal';

/**
 * `Return-Path: <>`: the null envelope sender, which RFC 5321 §4.5.5 requires of
 * bounces and RFC 3834 §3.3 recommends for every automatic response, so that nothing
 * ever answers it. Postfix writes it as `<MAILER-DAEMON>`, some servers leave it empty.
 */
export const nullReturnPath: Signal = {
  name: 'null-return-path',
  test: ({ mail }) => {
    const value = header(mail, 'return-path');
    if (value === undefined || !/^(?:<\s*(?:MAILER-DAEMON\s*)?>)?$/i.test(value)) return undefined;
    return hit('auto-reply', `Return-Path: ${value || '(empty)'} (null sender: an automatic message, RFC 3834 §3.3)`);
  },
};
