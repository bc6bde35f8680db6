import { hit, splitAddress, type Signal } from './signal';

/** Local parts mail systems send bounces from (and Exchange's system mailbox, `MicrosoftExchange<32 hex>`). */
const daemonLocalParts = /^(?:mailer-daemon|mailer_daemon|mailerdaemon|mail-daemon|postmaster|post_master|microsoftexchange[0-9a-f]{32})$/;

/**
 * Display names mail systems give their bounces, as sisimai's and Zammad's samples show
 * them (Postfix, Exim, GMX "Mail Delivery System"; Gmail, Bigfoot "Mail Delivery
 * Subsystem"; Sendmail, qmail, Barracuda "MAILER-DAEMON"; Exchange 2003 "System
 * Administrator"; au "Mail Administrator"), plus their translations as localized
 * servers may write them — a translation that is not verbatim simply never matches.
 */
const daemonNames = new Set([
  'mailer-daemon', 'mailer daemon', 'mailerdaemon', 'mail-daemon', 'postmaster', 'mail delivery system', 'mail delivery subsystem',
  'mail delivery service', 'mail delivery system (mailer-daemon)', 'mail administrator', 'mail system', 'mail delivery',
  'mail delivery daemon', 'internet mail delivery', 'delivery subsystem', 'system administrator', 'systemadministrator',
  'administrateur système', 'administrador del sistema', 'amministratore di sistema', 'mail-zustellsystem', 'e-mail-zustellsystem',
  'e-mail-zustellungssystem', 'système de distribution du courrier', 'sistema de entrega de correo',
]);
/** Names so generic a person's admin could use them: they count only with no usable address. */
const weakNames = new Set(['system administrator', 'systemadministrator', 'administrateur système', 'administrador del sistema', 'amministratore di sistema', 'mail system']);

/**
 * A bounce sent by the mail system itself: From MAILER-DAEMON@…, postmaster@…, or a
 * bare `MAILER-DAEMON <>` / "Mail Delivery System" display name with no address.
 */
export const mailerDaemon: Signal = {
  name: 'mailer-daemon',
  test: ({ mail }) => {
    const from = splitAddress(mail.from?.address);
    if (from && daemonLocalParts.test(from.local)) return hit('bounce', `From ${mail.from!.address} is a mail system sender`);
    const name = (mail.from?.name ?? '').trim().replace(/^["']|["']$/g, '').toLowerCase();
    if (!daemonNames.has(name)) return undefined;
    const noAddress = !from || !from.domain;
    if (weakNames.has(name) && !noAddress) return undefined;
    return hit('bounce', `From "${mail.from!.name}"${noAddress ? ' with no address' : ''} is a mail system sender`);
  },
};
