import { noReplyLocalPart } from '../no-reply-address';
import { noAutoResponseHint, type Signal } from './signal';

/**
 * A `no-reply`-style sender says it reads no answers: an acknowledgement sent there is
 * lost at best and bounces at worst (a bounce we would then have to recognise). It does
 * not make the mail a machine's — web forms and shops send people's requests from
 * `noreply@` with the customer in Reply-To — so it only withholds the auto-response. The
 * same rule decides whom the channel never answers (answers/recipient.ts).
 */
export const noReplySender: Signal = {
  name: 'no-reply-sender',
  test: ({ mail }) => {
    const address = mail.from?.address;
    return address && noReplyLocalPart(address) ? noAutoResponseHint(`From ${address} is a no-reply address`) : undefined;
  },
};
