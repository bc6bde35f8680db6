import { header, hit, splitAddress, type Signal } from './signal';

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

/** The longest raw From header read when the parser found no address in it. */
const MAX_RAW_FROM = 200;

/**
 * The display name of a From header the parser could not read an address from —
 * `mailer-daemon`, `MAILER-DAEMON <>`, `"Mail Delivery System" <>` —, lower-cased and
 * unquoted; undefined when the header is absent or carries an address.
 */
function bareFromName(raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  const value = raw.slice(0, MAX_RAW_FROM);
  if (value.includes('@')) return undefined;
  const angle = value.indexOf('<');
  const name = (angle >= 0 ? value.slice(0, angle) : value).trim();
  return name.replace(/^["']|["']$/g, '').trim().toLowerCase();
}

/**
 * `Return-Path: <MAILER-DAEMON@host>`: the envelope sender was the mail system. Sendmail
 * and some gateways write the null sender of a bounce this way when they deliver it.
 */
const daemonReturnPath = /^<?\s*(?:mailer-daemon|mailer_daemon|mailerdaemon)@[^\s<>@]+>?$/i;

/**
 * A bounce sent by the mail system itself: From MAILER-DAEMON@…, postmaster@…, a bare
 * `MAILER-DAEMON <>` / "Mail Delivery System" display name with no address (also when
 * the From header is only `mailer-daemon`, which leaves the parser no address at all),
 * or an envelope sender `<MAILER-DAEMON@host>`.
 */
export const mailerDaemon: Signal = {
  name: 'mailer-daemon',
  test: ({ mail }) => {
    const from = splitAddress(mail.from?.address);
    if (from && daemonLocalParts.test(from.local)) return hit('bounce', `From ${mail.from!.address} is a mail system sender`);
    const noAddress = !from || !from.domain;
    const name = mail.from ? (mail.from.name ?? '').trim().replace(/^["']|["']$/g, '').toLowerCase() : bareFromName(header(mail, 'from'));
    if (name !== undefined && (daemonNames.has(name) || (noAddress && daemonLocalParts.test(name)))) {
      if (!weakNames.has(name) || noAddress) return hit('bounce', `From "${mail.from?.name || name}"${noAddress ? ' with no address' : ''} is a mail system sender`);
    }
    const returnPath = header(mail, 'return-path');
    if (returnPath !== undefined && daemonReturnPath.test(returnPath)) return hit('bounce', `Return-Path: ${returnPath} (the envelope sender is the mail system)`);
    return undefined;
  },
};
