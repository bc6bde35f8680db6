import { hit, splitAddress, type Signal } from './signal';

/** Local parts mail systems send bounces from. */
const daemonLocalParts = /^(?:mailer-daemon|mailerdaemon|mail-daemon|postmaster)$/;

/** A bounce sent by the mail system itself: MAILER-DAEMON@…, postmaster@…. */
export const mailerDaemon: Signal = {
  name: 'mailer-daemon',
  test: ({ mail }) => {
    const from = splitAddress(mail.from?.address);
    if (from && daemonLocalParts.test(from.local)) return hit('bounce', `From ${mail.from!.address} is a mail system sender`);
    if (!from && /^mailer-daemon$/i.test(mail.from?.name ?? '')) return hit('bounce', 'From MAILER-DAEMON');
    return undefined;
  },
};
