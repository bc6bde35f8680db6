import { cont, ignore } from '../decision';
import type { Stage } from '../stage';

/**
 * A delivery failure of a mail we sent (resolution found the Message-ID it names among
 * ours, outbound/bounce-of-own-mail.ts): never a ticket, never answered, whatever the
 * sender's domain or the machine-mail settings — it is marked on the outbox record and the
 * ticket instead. Runs right after the exclusion folder, so a bounce from a domain the
 * channel does not accept still reaches its ticket.
 */
export const ownMailBounce: Stage = {
  name: 'own-mail-bounce',
  run: ({ ownMailBounce: bounce }) =>
    bounce
      ? ignore('OWN_MAIL_BOUNCED', `a delivery failure of our mail <${bounce.messageId}> (outbox ${bounce.outboxId}, ticket ${bounce.ticketId}): ${bounce.reason}`)
      : cont(),
};
