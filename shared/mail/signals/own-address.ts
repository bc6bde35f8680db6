import { hit, type Signal } from './signal';

/** Mail From one of the channel's own addresses: we would be answering ourselves. */
export const ownAddress: Signal = {
  name: 'own-address',
  test: ({ mail, ownAddresses }) => {
    const from = mail.from?.address.toLowerCase();
    if (!from || !ownAddresses.includes(from)) return undefined;
    return hit('loop', `From ${from} is this channel's own address`);
  },
};
