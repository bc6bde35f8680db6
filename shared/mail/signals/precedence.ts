import { header, hit, isOwnList, type Signal } from './signal';

/**
 * `Precedence` (RFC 2076, non-standard but universal): `auto_reply` is an
 * autoresponder; `bulk`, `list` and `junk` are mass mail. `X-Precedence` is read too.
 */
export const precedence: Signal = {
  name: 'precedence',
  test: ({ mail, ownAddresses }) => {
    const ownList = isOwnList(mail, ownAddresses);
    for (const name of ['precedence', 'x-precedence']) {
      const value = header(mail, name)?.toLowerCase();
      if (!value) continue;
      const label = name === 'precedence' ? 'Precedence' : 'X-Precedence';
      if (/^auto[_-]?reply$/.test(value)) return hit('auto-reply', `${label}: ${value}`);
      if (/^(?:bulk|list|junk)$/.test(value) && !ownList) return hit('list', `${label}: ${value} (mass mail)`);
    }
    return undefined;
  },
};
