import ipaddr from 'ipaddr.js';

/**
 * Which network addresses a mail connection may reach, and which host names an admin may
 * write. Pure: DNS resolution and sockets are in connect-target.ts.
 *
 * A channel's host is admin input that makes this app open connections (and send a stored
 * secret) from inside Azure's network. Public unicast addresses are always fine. Private and
 * loopback ones only when the deployment says so (`MAIL_ALLOW_PRIVATE_HOSTS`: the local stack
 * and tests, or an on-premises mail server reached through a VNet). Link-local (the instance
 * metadata service 169.254.169.254 lives there), Azure's platform address 168.63.129.16,
 * unspecified (0.0.0.0 reaches the local host on Linux), multicast, broadcast and reserved
 * ranges, and the IPv6 forms that embed an IPv4 address (NAT64, 6to4, Teredo) never are.
 */

export interface TargetPolicy {
  /** Private (RFC 1918, unique-local, CGNAT) and loopback addresses may be reached. */
  allowPrivate: boolean;
}

export type AddressClass = 'public' | 'private' | 'loopback' | 'link-local' | 'platform' | 'unspecified' | 'multicast' | 'reserved' | 'embedded-ipv4' | 'invalid';

/** Addresses of cloud platform services that sit in otherwise ordinary ranges. */
const PLATFORM_ADDRESSES = new Set([
  '168.63.129.16', // Azure wire server / DNS / health probes
  'fd00:ec2::254', // AWS instance metadata over IPv6
]);

const RANGE_CLASS: Record<string, AddressClass> = {
  unicast: 'public',
  private: 'private',
  carrierGradeNat: 'private',
  uniqueLocal: 'private',
  loopback: 'loopback',
  linkLocal: 'link-local',
  unspecified: 'unspecified',
  multicast: 'multicast',
  broadcast: 'multicast',
  rfc6052: 'embedded-ipv4',
  rfc6145: 'embedded-ipv4',
  '6to4': 'embedded-ipv4',
  teredo: 'embedded-ipv4',
};

/**
 * The class of an IP address in its standard spelling (as DNS answers give it). IPv4-mapped
 * IPv6 addresses (`::ffff:127.0.0.1`) are classified as the IPv4 address they carry.
 * Non-standard IPv4 spellings (`2130706433`, `0177.0.0.1`) are `invalid`: a resolver turns
 * them into an address we would not have checked.
 */
export function classifyAddress(address: string): AddressClass {
  const bare = address.startsWith('[') && address.endsWith(']') ? address.slice(1, -1) : address;
  if (!isStandardIp(bare)) return 'invalid';
  const parsed = ipaddr.process(bare);
  if (PLATFORM_ADDRESSES.has(parsed.toString())) return 'platform';
  return RANGE_CLASS[parsed.range()] ?? 'reserved';
}

export type AddressVerdict = { allowed: true; class: AddressClass } | { allowed: false; class: AddressClass; reason: string };

const REASONS: Record<AddressClass, string> = {
  public: '',
  private: 'a private network address',
  loopback: 'a loopback address',
  'link-local': 'a link-local address (where cloud metadata services live)',
  platform: 'a cloud platform service address',
  unspecified: 'the unspecified address',
  multicast: 'a multicast or broadcast address',
  reserved: 'a reserved address',
  'embedded-ipv4': 'an IPv6 address that embeds an IPv4 address',
  invalid: 'not an IP address in standard notation',
};

export function addressVerdict(address: string, policy: TargetPolicy): AddressVerdict {
  const cls = classifyAddress(address);
  const allowed = cls === 'public' || (policy.allowPrivate && (cls === 'private' || cls === 'loopback'));
  return allowed ? { allowed: true, class: cls } : { allowed: false, class: cls, reason: REASONS[cls] + (cls === 'private' || cls === 'loopback' ? ' (allowed only with the app setting MAIL_ALLOW_PRIVATE_HOSTS=true)' : '') };
}

/** Dotted-quad IPv4 with decimal parts, or any valid IPv6 — the forms `net.isIP` and DNS answers use. */
function isStandardIp(s: string): boolean {
  if (ipaddr.IPv4.isValidFourPartDecimal(s)) return true;
  if (s.includes('%')) return false; // zone ids pick an interface, never a mail server
  return !s.includes('.') || s.includes(':') ? ipaddr.IPv6.isValid(s) : false;
}

const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/i;

/**
 * Why `host` is not a host name or an IP literal, or undefined when it is one. Accepts DNS
 * names (LDH labels, optional trailing dot), dotted-quad IPv4 and IPv6 (bare or in brackets).
 * Refuses schemes, paths, ports, user info, whitespace and control characters, and names a
 * resolver would read as an IPv4 address in another spelling (`2130706433`, `0x7f.1`, `127.1`):
 * a top-level label is never all digits, and nothing `inet_aton` accepts passes as a name.
 */
export function hostSyntaxProblem(host: string): string | undefined {
  if (host.length === 0) return 'must not be empty';
  if (host.length > 253) return 'must be at most 253 characters';
  const bracketed = host.startsWith('[') && host.endsWith(']');
  const bare = bracketed ? host.slice(1, -1) : host;
  if (bare.includes(':')) return ipaddr.IPv6.isValid(bare) && !bare.includes('%') ? undefined : 'must be a host name or an IP address (no scheme, port or path)';
  if (bracketed) return 'only IPv6 addresses go in brackets';
  if (ipaddr.IPv4.isValidFourPartDecimal(host)) return undefined;
  if (ipaddr.IPv4.isValid(host)) return 'write an IPv4 address as four decimal numbers (a.b.c.d)';
  const name = host.endsWith('.') ? host.slice(0, -1) : host;
  const labels = name.split('.');
  if (!labels.every((l) => LABEL.test(l))) return 'must be a host name (letters, digits, hyphens and dots) or an IP address, without scheme, port, path or spaces';
  if (/^\d+$/.test(labels[labels.length - 1] ?? '')) return 'must be a host name or an IP address in standard notation (a.b.c.d)';
  return undefined;
}
