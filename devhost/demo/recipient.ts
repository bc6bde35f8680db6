/**
 * Who the demo SMTP intake accepts mail for: any address at the demo domain (its mailbox
 * is made on first mail), nothing else — so nobody mistakes it for a relay.
 */
export const DEMO_DOMAIN = 'demo.test';

/** RFC 5321's limit on a forward path; longer is refused before any work. */
const MAX_ADDRESS_LENGTH = 254;

export type RecipientVerdict =
  | { accept: true; mailbox: string }
  | { accept: false; responseCode: number; message: string };

/** Pure: the verdict for one `RCPT TO` address (no regex: split at the last `@`). */
export function demoRecipient(address: string, domain = DEMO_DOMAIN): RecipientVerdict {
  const at = address.lastIndexOf('@');
  const local = at > 0 ? address.slice(0, at) : '';
  const host = at > 0 ? address.slice(at + 1).toLowerCase() : '';
  if (address.length > MAX_ADDRESS_LENGTH || local === '' || host === '') {
    return { accept: false, responseCode: 553, message: `5.1.3 <${address.slice(0, MAX_ADDRESS_LENGTH)}>: not an address` };
  }
  if (host !== domain) {
    return {
      accept: false,
      responseCode: 550,
      message: `5.7.1 <${address}>: relaying denied: this demo intake delivers only to @${domain} mailboxes (it is not a relay)`,
    };
  }
  return { accept: true, mailbox: `${local}@${host}`.toLowerCase() };
}
