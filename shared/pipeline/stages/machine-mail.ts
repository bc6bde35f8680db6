import { cont, ignore, type ReasonCode } from '../decision';
import type { MailKind } from '../../mail/parsed-mail';
import type { Stage } from '../stage';

const codeOf: Record<Exclude<MailKind, 'human'>, ReasonCode> = {
  'auto-reply': 'AUTO_REPLY',
  bounce: 'BOUNCE',
  list: 'MAILING_LIST',
  loop: 'LOOP',
};

/**
 * Machine mail makes no ticket and gets no auto-response: auto-replies, bounces and
 * list mail (when the channel excludes them, the default), and our own mail coming
 * back (always — a loop is never wanted). It goes to the success folder.
 */
export const machineMail: Stage = {
  name: 'machine-mail',
  run: ({ channel, classification }) => {
    const { kind, reasons } = classification;
    if (kind === 'human') return cont('sent by a person');
    if (kind !== 'loop' && !channel.domains.excludeAutoReplies) return cont(`${kind} accepted: the channel does not exclude machine mail`);
    return ignore(codeOf[kind], `${kind}: ${reasons.join('; ')}`);
  },
};
