import { noReplyLocalPart } from '../no-reply-address';
import { header, hit, type Signal } from './signal';

/**
 * Subjects of non-delivery reports that name the mail itself — undelivered *mail*,
 * returned *message* —, as MTAs and carriers write them (EN, DE, FR, ES, IT, NL, PT, the
 * Nordic languages, PL, CS, RU, TR, JA, ZH). A parcel service's "Delivery failed" is not
 * among them.
 */
const mailSubjects = [
  'undelivered mail returned to sender', 'undeliverable:', 'undeliverable mail', 'undeliverable message', 'undelivered mail',
  'undelivered message', 'delivery status notification', 'mail delivery failed', 'mail delivery failure', 'message delivery failure',
  'message delivery has failed', 'returned mail\\b', 'failure notice', 'mail system error', 'non-delivery report', 'nondeliverable mail',
  'delivery notification: delivery has failed', 'message not delivered', 'warning: could not send message', 'delayed mail',
  'unzustellbar:', 'nicht zustellbar:', 'benachrichtigung zum übermittlungsstatus', 'non remis :', 'non distribuable :',
  'no se puede entregar:', 'non recapitabile:', 'onbestelbaar:', 'não é possível entregar:', 'kan ikke leveres:', 'kunne ikke leveres:',
  'kunde inte levereras:', 'olevererbart:', 'ei voitu toimittaa:', 'niedostarczalne:', 'nelze doručit:', 'teslim edilemedi:',
  'недоставленное сообщение', 'сообщение не доставлено', 'ваше сообщение не доставлено', 'не удалось доставить',
  'メールエラー', 'エラーメール', '配信エラー', '配送エラー', '送信エラー', '配信不能', '不達メール', '系统退信', '退信', '邮件无法投递', '無法投遞',
];
/** Broader non-delivery subjects, which count only on mail already marked automatic. */
const otherSubjects = [
  'undeliverable\\b', 'undelivered\\b', 'delivery (?:has )?failed', 'delivery failure', 'nondeliverable', 'non-delivery', 'unzustellbar',
  'nicht zustellbar', 'non remis', 'non distribuable', 'no se puede entregar', 'no entregado', 'non recapitabile', 'onbestelbaar',
  'não é possível entregar', 'não entregue',
];

const strongSubject = new RegExp(`^(?:${mailSubjects.join('|')})`, 'i');
const anySubject = new RegExp(`^(?:${[...mailSubjects, ...otherSubjects].join('|')})`, 'i');

/** Null or mail-system envelope senders: `<>`, Postfix's `<MAILER-DAEMON>`, `<MAILER-DAEMON@host>`. */
const systemReturnPath = /^<?\s*(?:mailer-daemon(?:@[^\s<>@]*)?\s*)?>?$/i;

/**
 * A non-delivery subject turns a mail that is already marked as automatic (null or
 * mail-system Return-Path, Auto-Submitted, the `multipart/report` format, which only
 * machines write — a DSN that leaves out its report-type included) into a bounce; so
 * does a subject that names undelivered *mail* from a no-reply or mail-system sender
 * (carriers' "メールエラー通知" from no-reply@). Alone it proves nothing: a person may
 * well write "Mail delivery failed" asking for help.
 */
export const bounceSubjectSignal: Signal = {
  name: 'bounce-subject',
  test: ({ mail }) => {
    const subject = mail.subject.trim().slice(0, 300);
    if (!anySubject.test(subject)) return undefined;
    const returnPath = header(mail, 'return-path');
    const automatic =
      (returnPath !== undefined && systemReturnPath.test(returnPath))
      || /^auto-/i.test(header(mail, 'auto-submitted') ?? '')
      || /^multipart\/report\b/i.test(header(mail, 'content-type') ?? '');
    if (automatic) return hit('bounce', `Subject "${subject}" of an automatic mail is a non-delivery report`);
    const sender = mail.from?.address;
    if (sender && strongSubject.test(subject) && noReplyLocalPart(sender)) {
      return hit('bounce', `Subject "${subject}" from the no-reply sender ${sender} is a non-delivery report`);
    }
    return undefined;
  },
};
