import { noAutoResponseHint, splitAddress, type Signal } from './signal';

/**
 * A `no-reply`-style sender says it reads no answers: an acknowledgement sent there is
 * lost at best and bounces at worst (a bounce we would then have to recognise). It does
 * not make the mail a machine's — web forms and shops send people's requests from
 * `noreply@` with the customer in Reply-To — so it only withholds the auto-response.
 */
const noReplyWords = ['noreply', 'no-reply', 'no_reply', 'donotreply', 'do-not-reply', 'do_not_reply', 'dontreply', 'nepasrepondre', 'ne-pas-repondre', 'keine-antwort', 'nicht-antworten'];

export const noReplySender: Signal = {
  name: 'no-reply-sender',
  test: ({ mail }) => {
    const from = splitAddress(mail.from?.address);
    if (!from) return undefined;
    const local = from.local.split('+')[0]!;
    const word = noReplyWords.find((w) => local === w || local.startsWith(`${w}-`) || local.startsWith(`${w}.`) || local.endsWith(`-${w}`) || local.endsWith(`.${w}`) || local.endsWith(`_${w}`));
    return word ? noAutoResponseHint(`From ${mail.from!.address} is a no-reply address`) : undefined;
  },
};
