import { header, hit, type Signal } from './signal';

/**
 * RFC 3834: `Auto-Submitted` with any value but `no` marks a mail no person wrote
 * (auto-replied, auto-generated, auto-notified, Zimbra's "auto-replied (vacation)").
 * Except `auto-forwarded`, which describes a forwarding hop, not the author — and a
 * hop's `auto-generated` stamp on a mail an inbox rule forwarded (Exchange Online
 * stamps forwarded mail since 2025).
 */
export const autoSubmitted: Signal = {
  name: 'auto-submitted',
  test: ({ mail, forwardedByRule }) => {
    const value = header(mail, 'auto-submitted');
    if (!value) return undefined;
    const token = value.split(/[;\s(]/)[0]!.toLowerCase();
    if (token === 'no' || token === 'auto-forwarded') return undefined;
    if (forwardedByRule && token === 'auto-generated') return undefined;
    return hit('auto-reply', `Auto-Submitted: ${value} (RFC 3834)`);
  },
};
