import { cont, ignore, type ReasonCode } from '../decision';
import type { MailKind } from '../../mail/parsed-mail';
import type { Stage } from '../stage';

const codeOf: Record<Exclude<MailKind, 'human'>, ReasonCode> = {
  'auto-reply': 'AUTO_REPLY',
  bounce: 'BOUNCE',
  report: 'MAIL_REPORT',
  notification: 'NOTIFICATION',
  list: 'MAILING_LIST',
  loop: 'LOOP',
};

/**
 * The machine-mail policy. Machine mail makes no ticket: auto-replies, bounces,
 * reports, notifications and list mail (when the channel excludes them, the default),
 * and loops (always — a loop is never wanted). It goes to the success folder.
 * A notification may become a ticket when the channel accepts notifications; like every
 * machine mail it is never auto-answered (`classification.noAutoResponse`), and the
 * continue note says so, so the ledger and the dry run show why no acknowledgement went.
 */
export const machineMail: Stage = {
  name: 'machine-mail',
  run: ({ channel, classification }) => {
    const { kind, reasons, noAutoResponse } = classification;
    const why = reasons.join('; ');
    if (kind === 'human') return cont(noAutoResponse ? `sent by a person; no auto-response: ${why}` : 'sent by a person');
    if (kind === 'notification' && channel.domains.acceptNotifications) {
      return cont(`notification accepted as a ticket (the channel accepts notifications), never auto-answered: ${why}`);
    }
    if (kind !== 'loop' && !channel.domains.excludeAutoReplies) return cont(`${kind} accepted: the channel does not exclude machine mail; never auto-answered: ${why}`);
    return ignore(codeOf[kind], `${kind}: ${why}`);
  },
};
