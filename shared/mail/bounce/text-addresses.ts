import type { WorkMeter } from './work-meter';

/**
 * Mail addresses written in a bounce's prose (`<kijitora@example.jp>:`, `Unknown user:
 * x@y.org`), found around each `@` by index scans: the local part's characters to the
 * left, a dotted domain to the right. Linear: `@` belongs to neither side, so no character
 * is walked over from more than two `@`s.
 */

const LOCAL_SPECIALS = ".!#$%&'*+-/=?^_`{|}~";
const isAlnum = (c: string) => (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
const isLocalChar = (c: string) => isAlnum(c) || LOCAL_SPECIALS.includes(c);
const isDomainChar = (c: string) => isAlnum(c) || c === '.' || c === '-';

/** RFC 5321's limits: a longer "address" is not one. */
const MAX_LOCAL = 64;
const MAX_DOMAIN = 255;

export interface AddressAt {
  address: string;
  index: number;
}

/** The addresses in `text` from `from` on, at most `max`, in order. */
export function addressesIn(text: string, meter: WorkMeter, max: number, from = 0): AddressAt[] {
  const out: AddressAt[] = [];
  let floor = from;
  for (let at = text.indexOf('@', from); at >= 0 && out.length < max; at = text.indexOf('@', at + 1)) {
    let start = at;
    while (start > floor && isLocalChar(text[start - 1]!)) start--;
    let end = at + 1;
    while (end < text.length && isDomainChar(text[end]!)) end++;
    meter.chars += end - start;
    floor = at + 1;
    // dots and hyphens do not end a domain or start a local part
    while (end > at + 1 && (text[end - 1] === '.' || text[end - 1] === '-')) end--;
    while (start < at && text[start] === '.') start++;
    const local = text.slice(start, at);
    const domain = text.slice(at + 1, end);
    if (!local || local.length > MAX_LOCAL || domain.length > MAX_DOMAIN || !domain.includes('.') || domain.startsWith('.')) continue;
    out.push({ address: `${local}@${domain.toLowerCase()}`, index: start });
  }
  return out;
}

/** An address field's value (`rfc822; <x@y.org>`, `"X" <x@y.org>`): its one address, or undefined. */
export function addressOfValue(value: string, meter: WorkMeter): string | undefined {
  return addressesIn(value, meter, 1)[0]?.address;
}
