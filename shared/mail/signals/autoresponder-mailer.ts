import { header, hit, type Signal } from './signal';

/**
 * The `X-Mailer` (or `User-Agent`) of autoresponder programs: Unix `vacation`, cPanel
 * and Plesk autoresponders, "AutoReply" plug-ins, Yahoo's and Zimbra's responders.
 */
const responderWords = ['vacation', 'autorespond', 'auto-respond', 'autoreply', 'auto-reply', 'auto reply', 'out of office', 'abwesenheit'];

export const autoresponderMailer: Signal = {
  name: 'autoresponder-mailer',
  test: ({ mail }) => {
    for (const name of ['x-mailer', 'user-agent']) {
      const value = header(mail, name);
      if (!value) continue;
      const lower = value.toLowerCase();
      if (responderWords.some((w) => lower.includes(w))) return hit('auto-reply', `${name === 'x-mailer' ? 'X-Mailer' : 'User-Agent'}: ${value} is an autoresponder`);
    }
    return undefined;
  },
};
