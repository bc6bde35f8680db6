import { isListEnvelope } from './list-headers';
import { header, hit, isOwnList, splitAddress, type Signal } from './signal';

/**
 * A mail system telling that a loop is going on: list servers (Mailman, LISTSERV,
 * Majordomo, Sympa) and MTAs stop looping mail and report it ("mail loop detected",
 * "Message rejected: looping mail", fml's "Loop Alert: Duplicated Message-ID").
 * Answering it would feed the loop. The subject counts only from a list manager's or
 * mail system's sender (`LIST-admin`, `-owner`, `-bounces`, `-request`, listserv@ …),
 * a mail a list server stamped (`X-MLServer`, `X-Mailman-Version`, `X-Listserver`,
 * `X-ML-Name`), or a null envelope.
 */
const listServerHeaders = ['x-mlserver', 'x-ml-server', 'x-ml-name', 'x-mailman-version', 'x-listserver', 'x-listprocessor-version', 'x-sympa-version'];
const loopPhrases = ['mail loop', 'loop detected', 'looping mail', 'looping message', 'mailing loop', 'loop alert', 'possible loop', 'too many hops'];
const robotLocals = /^(?:listserv|mailman|majordomo|sympa|ecartis|lyris|listproc|mailer-daemon|postmaster|mailman-owner|mailman-bounces)$/;

export const loopAlert: Signal = {
  name: 'loop-alert',
  test: ({ mail, ownAddresses }) => {
    const subject = mail.subject.slice(0, 300).toLowerCase();
    const phrase = loopPhrases.find((p) => subject.includes(p));
    if (!phrase) return undefined;
    const from = splitAddress(mail.from?.address);
    const returnPath = header(mail, 'return-path');
    const robot = (from !== undefined && (robotLocals.test(from.local) || isListEnvelope(from.local) || from.local.endsWith('-request') || from.local.endsWith('-admin')))
      // a person writing about a loop through the desk's own list keeps its list stamps
      || (!isOwnList(mail, ownAddresses) && listServerHeaders.some((name) => header(mail, name) !== undefined))
      || (returnPath !== undefined && /^<?\s*>?$/.test(returnPath));
    return robot ? hit('loop', `Subject "${mail.subject.trim()}" from ${mail.from?.address || 'a null sender'}: a list server or mail system reports a mail loop`) : undefined;
  },
};
