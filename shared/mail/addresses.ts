import { parseAddressHeader, type AddressObject, type ParsedMail as MailparserMail } from 'mailparser';
import { withoutBidiControls } from './invisible-characters';
import { unfold } from './mime-headers';
import type { Address } from './parsed-mail';

/** Addresses as ParsedMail carries them: groups flattened, entries without an address dropped. */
export function addresses(header: AddressObject | AddressObject[] | undefined): Address[] {
  if (!header) return [];
  const out: Address[] = [];
  const visit = (list: { name: string; address?: string; group?: unknown[] }[]) => {
    for (const a of list) {
      if (a.group) visit(a.group as typeof list);
      // a display name with a right-to-left override could pose as another sender or address
      else if (a.address) out.push({ address: a.address, name: withoutBidiControls(a.name ?? '') });
    }
  };
  for (const h of Array.isArray(header) ? header : [header]) visit(h.value);
  return out;
}

/**
 * The sender: the first address of From. When From has none, another From line, then
 * Sender, Reply-To and Return-Path stand in (with a warning), as Zammad and FreeScout do.
 * An address with blanks inside its angle brackets (`<power quadrant x@example.com>`) is
 * kept verbatim rather than cut to its last word, which could be somebody else.
 */
export function senderOf(parsed: Pick<MailparserMail, 'headerLines' | 'from'>, headers: Record<string, string>, warnings: string[]): Address | undefined {
  // The raw lines: the decoded header text would already have cut a blank-containing address.
  const fromLines = parsed.headerLines.filter((l) => l.key === 'from').map((l) => unfold(l.line.slice(l.line.indexOf(':') + 1))).filter(Boolean);
  const first = addresses(parsed.from)[0];
  if (first) {
    const bracketed = lastBracketedAddress(fromLines[0] ?? '')?.trim();
    if (bracketed && bracketed !== first.address && /\s/.test(bracketed) && bracketed.endsWith(first.address)) {
      warnings.push(`the From address contains blanks: ${bracketed}`);
      return { ...first, address: bracketed };
    }
    return first;
  }
  for (const line of fromLines.slice(1)) {
    const other = addresses(parseAddressHeader(line))[0];
    if (other) {
      warnings.push('the first From header has no address; a later From header is used');
      return other;
    }
  }
  warnings.push(fromLines.length ? `the From header has no usable address: ${fromLines.join(' / ')}` : 'the mail has no From header');
  for (const name of ['sender', 'reply-to', 'return-path']) {
    const value = headers[name];
    const stand = value ? addresses(parseAddressHeader(value.split('\n')[0]!))[0] : undefined;
    if (stand) {
      warnings.push(`the sender is taken from the ${name} header`);
      return stand;
    }
  }
  return undefined;
}

/**
 * What the line's closing `<…@…>` holds, when the line ends with it. String search, not
 * /<([^<>]*@[^<>]*)>\s*$/, which rescans from every `<` of a From line full of them.
 */
function lastBracketedAddress(line: string): string | undefined {
  const end = line.trimEnd();
  if (!end.endsWith('>')) return undefined;
  const open = end.lastIndexOf('<', end.length - 2);
  if (open < 0) return undefined;
  const inner = end.slice(open + 1, -1);
  return inner.includes('>') || !inner.includes('@') ? undefined : inner;
}
