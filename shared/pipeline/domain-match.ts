/**
 * Sender-domain allow-list matching. Patterns are `example.com` (that domain exactly)
 * or `*.example.com` (any sub-domain of it, not the domain itself — list both to allow
 * both). Case-insensitive; an empty list allows every domain.
 */
export function domainOf(address: string): string | undefined {
  const at = address.lastIndexOf('@');
  if (at < 1 || at === address.length - 1) return undefined;
  return address.slice(at + 1).trim().replace(/\.$/, '').toLowerCase();
}

export function domainAllowed(domain: string, patterns: readonly string[]): boolean {
  if (patterns.length === 0) return true;
  const d = domain.toLowerCase();
  return patterns.some((raw) => {
    const p = raw.toLowerCase();
    return p.startsWith('*.') ? d.endsWith(p.slice(1)) && d.length > p.length - 1 : d === p;
  });
}
