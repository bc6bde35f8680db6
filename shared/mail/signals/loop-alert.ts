import { isListEnvelope } from './list-headers';
import { header, hit, splitAddress, type Signal } from './signal';

/**
 * A mail system telling that a loop is going on: list servers (Mailman, LISTSERV,
 * Majordomo, Sympa) and MTAs stop looping mail and report it ("mail loop detected",
 * "Message rejected: looping mail"). Answering it would feed the loop. The subject
 * counts only from a list manager's or mail system's sender, or a null envelope.
 */
const loopPhrases = ['mail loop', 'loop detected', 'looping mail', 'looping message', 'mailing loop', 'loop alert', 'possible loop', 'too many hops'];
const robotLocals = /^(?:listserv|mailman|majordomo|sympa|ecartis|lyris|listproc|mailer-daemon|postmaster|mailman-owner|mailman-bounces)$/;

export const loopAlert: Signal = {
  name: 'loop-alert',
  test: ({ mail }) => {
    const subject = mail.subject.toLowerCase();
    const phrase = loopPhrases.find((p) => subject.includes(p));
    if (!phrase) return undefined;
    const from = splitAddress(mail.from?.address);
    const returnPath = header(mail, 'return-path');
    const robot = (from !== undefined && (robotLocals.test(from.local) || isListEnvelope(from.local) || from.local.endsWith('-request')))
      || (returnPath !== undefined && /^<?\s*>?$/.test(returnPath));
    return robot ? hit('loop', `Subject "${mail.subject.trim()}" from ${mail.from?.address || 'a null sender'}: a list server or mail system reports a mail loop`) : undefined;
  },
};
