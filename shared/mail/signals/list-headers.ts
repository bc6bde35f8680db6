import { header, hit, isOwnList, splitAddress, type Signal } from './signal';

/** Mailing-list headers: List-Id (RFC 2919), List-Unsubscribe, List-Post … (RFC 2369), ezmlm's Mailing-List. */
const listHeaderNames: readonly (readonly [string, string])[] = [
  ['list-id', 'List-Id'],
  ['list-unsubscribe', 'List-Unsubscribe'],
  ['list-post', 'List-Post'],
  ['mailing-list', 'Mailing-List'],
  ['x-mailing-list', 'X-Mailing-List'],
];

/**
 * The envelope sender list managers use, so that bounces reach them and not the
 * author: LISTSERV and Majordomo `owner-LIST@`, Mailman `LIST-bounces@`, `LIST-owner@`.
 */
export function isListEnvelope(local: string): boolean {
  // Plain string tests: /^(?:owner-.+|.+-owner|.+-bounces(?:\+.*)?)$/ backtracks quadratically on a crafted Return-Path.
  if (/[\n\r\u2028\u2029]/.test(local)) return false;
  if (local.length > 6 && (local.startsWith('owner-') || local.endsWith('-owner'))) return true;
  for (let at = local.indexOf('-bounces', 1); at >= 0; at = local.indexOf('-bounces', at + 1)) {
    const after = at + '-bounces'.length;
    if (after === local.length || local[after] === '+') return true;
  }
  return false;
}

export const listHeaders: Signal = {
  name: 'list-headers',
  test: ({ mail, ownAddresses }) => {
    if (isOwnList(mail, ownAddresses)) return undefined;
    for (const [name, label] of listHeaderNames) {
      const value = header(mail, name);
      if (value !== undefined) return hit('list', `${label}: ${value.length > 120 ? `${value.slice(0, 117)}...` : value}`);
    }
    const returnPath = header(mail, 'return-path')?.replace(/^<|>$/g, '');
    const envelope = splitAddress(returnPath);
    if (envelope && envelope.domain && isListEnvelope(envelope.local)) {
      return hit('list', `Return-Path: ${returnPath} is a mailing-list manager's envelope sender`);
    }
    return undefined;
  },
};
