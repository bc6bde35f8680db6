import { hasForwardPrefix } from './rule-forward';
import { bodyOpening, hit, type Signal } from './signal';

/**
 * The opening sentences of the non-delivery reports that mail servers write as plain
 * text, without a DSN part (qmail, Exim, Postfix, Sendmail, Exchange, Gmail, Yahoo,
 * Courier, Lotus Domino, GroupWise, and Japanese carriers' gateways), as sisimai and
 * Zammad's bounce tests record them.
 * They count only where they open the body (its first 250 characters) of a mail that is
 * not a forward: a person who forwards a bounce to the desk ("my mail came back")
 * writes first or says `FW:`.
 */
const openings: readonly string[] = [
  'this is the qmail-send program',
  'this message was created automatically by mail delivery software',
  'delivery has failed to these recipients or groups',
  'your message did not reach some or all of the intended recipients',
  'this is the mail system at host',
  'the original message was received at',
  'the following addresses had permanent fatal errors',
  'delivery to the following recipient failed permanently',
  'delivery to the following recipients failed permanently',
  'delivery to the following recipient has been delayed',
  "i'm sorry to have to inform you that your message could not be delivered",
  'sorry, we were unable to deliver your message to the following address',
  'this is a delivery status notification',
  'this is an automatically generated delivery status notification',
  'this report relates to a message you sent with the following header fields',
  'your message cannot be delivered to the following recipients',
  'your message could not be delivered to the following recipients',
  'the message that you sent was undeliverable to the following',
  'message delivery to the following recipients failed',
  'could not deliver message to the following recipient',
  'a message that you sent could not be delivered to one or more of its recipients',
  'this is a permanent error. the following address(es) failed',
  'unable to deliver message to',
  'we had trouble delivering your message',
  'your mail message to the following address(es) could not be delivered',
  'the following recipients returned permanent errors',
  '次のあて先へのメッセージはエラーのため送信できませんでした',
  'did not reach the following recipient(s)',
  'error: invalid user address',
];

export const bounceBody: Signal = {
  name: 'bounce-body',
  test: ({ mail }) => {
    if (hasForwardPrefix(mail.subject)) return undefined;
    const opening = bodyOpening(mail, 250).toLowerCase().replace(/\s+/g, ' ');
    const phrase = openings.find((p) => opening.includes(p));
    return phrase ? hit('bounce', `the body opens like a mail server's non-delivery report ("${phrase}")`) : undefined;
  },
};
