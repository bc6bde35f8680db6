import { header, hit, type Signal } from './signal';

/**
 * Exchange and Exchange Online stamp every non-delivery report they generate with
 * `X-MS-Exchange-Message-Is-Ndr` (often with an empty value): an NDR, even when it
 * reaches us without a `multipart/report` structure.
 */
export const exchangeNdr: Signal = {
  name: 'exchange-ndr',
  test: ({ mail }) => {
    const value = header(mail, 'x-ms-exchange-message-is-ndr');
    return value !== undefined ? hit('bounce', `X-MS-Exchange-Message-Is-Ndr${value ? `: ${value}` : ''} (Exchange non-delivery report)`) : undefined;
  },
};
