import { header, hit, type Signal } from './signal';

/** Exim (and others) name the addresses that failed in `X-Failed-Recipients`. */
export const failedRecipients: Signal = {
  name: 'failed-recipients',
  test: ({ mail }) => {
    const value = header(mail, 'x-failed-recipients');
    return value !== undefined ? hit('bounce', `X-Failed-Recipients: ${value}`) : undefined;
  },
};
