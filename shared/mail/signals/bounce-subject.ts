import { header, hit, type Signal } from './signal';

/** Subjects of non-delivery reports, as MTAs write them (EN, DE, FR, ES, IT, NL, PT). */
const bounceSubject = new RegExp(
  '^(?:' +
    [
      'undelivered mail returned to sender', 'undeliverable\\b', 'undelivered\\b', 'undeliverable mail',
      'delivery status notification', 'delivery (?:has )?failed', 'delivery failure', 'mail delivery failed',
      'returned mail\\b', 'failure notice', 'mail system error', 'nondeliverable', 'non-delivery',
      'delayed mail', 'warning: could not send message', 'message not delivered',
      'unzustellbar', 'nicht zustellbar', 'benachrichtigung zum übermittlungsstatus', 'non remis', 'non distribuable',
      'no se puede entregar', 'no entregado', 'non recapitabile', 'onbestelbaar', 'não é possível entregar', 'não entregue',
    ].join('|') +
    ')',
  'i',
);

/**
 * A non-delivery subject turns a mail that is already marked as automatic (null
 * Return-Path, Auto-Submitted) into a bounce. Alone it proves nothing: a person may
 * well write "Mail delivery failed" asking for help.
 */
export const bounceSubjectSignal: Signal = {
  name: 'bounce-subject',
  test: ({ mail }) => {
    if (!bounceSubject.test(mail.subject.trim())) return undefined;
    const returnPath = header(mail, 'return-path');
    const automatic = (returnPath !== undefined && /^<?\s*(?:MAILER-DAEMON\s*)?>?$/i.test(returnPath)) || /^auto-/i.test(header(mail, 'auto-submitted') ?? '');
    return automatic ? hit('bounce', `Subject "${mail.subject.trim()}" of an automatic mail is a non-delivery report`) : undefined;
  },
};
