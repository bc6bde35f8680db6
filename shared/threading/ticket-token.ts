import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';

/**
 * The ticket token in a subject: `[#T-000123-ab3k9q2z]` — a per-channel prefix, the ticket
 * number zero-padded, and a signature that proves we wrote it.
 *
 * The signature is 8 base32 characters: the first 40 bits of HMAC-SHA256(key, "v1\n" +
 * channel id + "\n" + ticket number). 40 bits because the only way to test a guess is to
 * send a mail and see where it lands: at a thousand mails a second a guesser needs 17
 * years on average for one ticket, while the subject stays short and readable (full-width
 * tokens get cut by clients that shorten subjects). The channel id is inside the MAC, so
 * a token of one channel never verifies on another.
 *
 * The brackets stay fixed (`[#` … `]`): they let the token be found anywhere in a subject
 * that clients have prefixed, re-cased or wrapped, with one bounded read per `[`.
 */
export const TicketTokenFormat = z
  .object({
    prefix: z
      .string()
      .regex(/^[A-Za-z]{1,8}-?$/, 'letters (1 to 8), optionally ending in "-"')
      .default('T-')
      .describe('text before the ticket number, e.g. "T-" gives [#T-000123]'),
    digits: z.number().int().min(1).max(12).default(6).describe('the number is zero-padded to this many digits'),
  })
  .describe('the ticket token in subjects of this channel: [#<prefix><number>-<signature>]');
export type TicketTokenFormat = z.infer<typeof TicketTokenFormat>;

export const DEFAULT_TOKEN_FORMAT: TicketTokenFormat = TicketTokenFormat.parse({});

/** Characters of the signature: RFC 4648 base32, lower case (no 0/1/8/9 to misread). */
const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';
export const SIGNATURE_LENGTH = 8;
/** Longest ticket number read (more digits is not one of our tokens). */
const MAX_NUMBER_DIGITS = 12;

/** A token found in a subject (or in a marker): the number, and its signature when it has one. */
export const FoundToken = z.object({
  /** The token as written. */
  text: z.string(),
  /** Offset in the searched text. */
  index: z.number().int().min(0),
  ticketNumber: z.number().int().min(0),
  /** Absent on a token without signature (old mail, typed by hand): recognised but unsigned. */
  signature: z.string().length(SIGNATURE_LENGTH).optional(),
});
export type FoundToken = z.infer<typeof FoundToken>;

/** The signature of a ticket number in a channel, with one key. */
export function tokenSignature(key: Buffer, channelId: string, ticketNumber: number): string {
  const mac = createHmac('sha256', key).update(`v1\n${channelId}\n${ticketNumber}`).digest();
  let bits = 0;
  let value = 0;
  let out = '';
  for (let i = 0; out.length < SIGNATURE_LENGTH; i++) {
    value = (value << 8) | mac[i]!;
    bits += 8;
    while (bits >= 5 && out.length < SIGNATURE_LENGTH) {
      out += BASE32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
    value &= (1 << bits) - 1;
  }
  return out;
}

/** The body of a token, without brackets: `T-000123-ab3k9q2z` (unsigned without a key). */
export function tokenRef(format: TicketTokenFormat, channelId: string, ticketNumber: number, key?: Buffer): string {
  if (!Number.isSafeInteger(ticketNumber) || ticketNumber < 0) throw new Error(`ticket number ${ticketNumber} is not a non-negative integer`);
  const number = String(ticketNumber).padStart(format.digits, '0');
  if (number.length > MAX_NUMBER_DIGITS) throw new Error(`ticket number ${ticketNumber} has more than ${MAX_NUMBER_DIGITS} digits`);
  return `${format.prefix}${number}${key ? `-${tokenSignature(key, channelId, ticketNumber)}` : ''}`;
}

/** `[#T-000123-ab3k9q2z]`: the token our mails carry in their subjects. */
export function formatToken(format: TicketTokenFormat, channelId: string, ticketNumber: number, key: Buffer): string {
  return `[#${tokenRef(format, channelId, ticketNumber, key)}]`;
}

/** `[#T-000123-ab3k9q2z] Printer on floor 3`: our token first, prefixes and older tokens of this format gone. */
export function subjectWithToken(format: TicketTokenFormat, subject: string, token: string): string {
  let rest = subject;
  for (const t of findTokens(format, subject).reverse()) rest = rest.slice(0, t.index) + rest.slice(t.index + t.text.length);
  return `${token} ${rest.replace(/\s+/g, ' ').trim()}`.trim();
}

/**
 * Reads a token body (`T-000123` or `T-000123-ab3k9q2z`) at `at` up to `end`, which must
 * follow it. Bounded: at most prefix + 12 digits + 9 characters are looked at.
 */
export function readRef(format: TicketTokenFormat, s: string, at: number, end: string): { ticketNumber: number; signature?: string; to: number } | undefined {
  const prefix = format.prefix;
  if (s.slice(at, at + prefix.length).toLowerCase() !== prefix.toLowerCase()) return undefined;
  let i = at + prefix.length;
  const digitsFrom = i;
  while (i < s.length && i - digitsFrom <= MAX_NUMBER_DIGITS && s[i]! >= '0' && s[i]! <= '9') i++;
  const digits = i - digitsFrom;
  if (digits === 0 || digits > MAX_NUMBER_DIGITS) return undefined;
  const ticketNumber = Number(s.slice(digitsFrom, i));
  let signature: string | undefined;
  if (s[i] === '-') {
    const candidate = s.slice(i + 1, i + 1 + SIGNATURE_LENGTH).toLowerCase();
    if (candidate.length !== SIGNATURE_LENGTH || ![...candidate].every((c) => BASE32.includes(c))) return undefined;
    signature = candidate;
    i += 1 + SIGNATURE_LENGTH;
  }
  if (s.slice(i, i + end.length) !== end) return undefined;
  return { ticketNumber, signature, to: i + end.length };
}

/**
 * Every token of this format in the subject, in order of appearance — whatever prefixes
 * stand before it, anywhere in the subject. Several can stand there (a forwarded ticket
 * mail: "[#T-000200-…] Fwd: [#T-000123-…] …"); the FIRST is the one that counts, because
 * our mails put their token at the front (subjectWithToken), so the first is the newest.
 * Linear: one bounded read per `[`.
 */
export function findTokens(format: TicketTokenFormat, subject: string): FoundToken[] {
  const found: FoundToken[] = [];
  for (let at = subject.indexOf('[#'); at >= 0; at = subject.indexOf('[#', at + 1)) {
    const ref = readRef(format, subject, at + 2, ']');
    if (!ref) continue;
    found.push({ text: subject.slice(at, ref.to), index: at, ticketNumber: ref.ticketNumber, ...(ref.signature ? { signature: ref.signature } : {}) });
  }
  return found;
}

/**
 * Whether a found token's signature is ours for this channel. Constant-time per key;
 * every key is tried (the current one and those kept during a rotation).
 */
export function verifyToken(token: Pick<FoundToken, 'ticketNumber' | 'signature'>, channelId: string, keys: readonly Buffer[]): boolean {
  if (!token.signature) return false;
  const given = Buffer.from(token.signature.toLowerCase());
  let ok = false;
  for (const key of keys) {
    const expected = Buffer.from(tokenSignature(key, channelId, token.ticketNumber));
    // lengths are equal by construction (FoundToken's schema); check anyway, timingSafeEqual throws otherwise
    if (expected.length === given.length && timingSafeEqual(expected, given)) ok = true;
  }
  return ok;
}
