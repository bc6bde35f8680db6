import { cont, reject } from '../decision';
import { domainAllowed, domainOf } from '../domain-match';
import type { Stage } from '../stage';

/** Only senders from the channel's allowed domains make tickets (empty list = all). */
export const senderDomain: Stage = {
  name: 'sender-domain',
  run: ({ channel, mail }) => {
    const address = mail.from?.address;
    const domain = address ? domainOf(address) : undefined;
    if (!domain) return reject('SENDER_MISSING', 'the mail has no usable From address');
    const allowed = channel.domains.allowed;
    return domainAllowed(domain, allowed)
      ? cont(allowed.length ? `sender domain ${domain} is allowed` : 'every sender domain is allowed')
      : reject('SENDER_DOMAIN_NOT_ALLOWED', `sender domain "${domain}" is not in the allowed domains (${allowed.join(', ')})`);
  },
};
