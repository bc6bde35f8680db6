import { header, hit, type Signal } from './signal';

/**
 * `X-Loop` is what procmail recipes, vacation scripts, SmartList, Request Tracker and
 * the Debian BTS stamp on mail they generate, so that they never process it again:
 * its presence says an automaton sent the mail. When it names one of our own
 * addresses, the mail is ours coming back.
 */
export const xLoop: Signal = {
  name: 'x-loop',
  test: ({ mail, ownAddresses }) => {
    const value = header(mail, 'x-loop');
    if (value === undefined) return undefined;
    const lower = value.toLowerCase();
    if (ownAddresses.some((a) => lower.includes(a))) return hit('loop', `X-Loop: ${value} names this channel's own address`);
    return hit('auto-reply', `X-Loop: ${value || '(empty)'} (stamped by an automaton against loops)`);
  },
};
