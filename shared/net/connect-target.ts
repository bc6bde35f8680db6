import dns from 'node:dns';
import net, { type LookupFunction } from 'node:net';
import { MailChannelError, PermanentError, TransientError } from '../errors';
import { SettingsSchema } from '../config/settings';
import { addressVerdict, type TargetPolicy } from './address-policy';

/**
 * Where a mail connection may go, decided after DNS resolution and for the very address the
 * socket uses, so a name that resolves to a public address for the check and to 127.0.0.1 for
 * the connect (DNS rebinding) gets nowhere:
 * - IMAP and SMTP resolve the name here, check every address, and connect to the checked
 *   address, with the name kept as TLS servername (certificates are still checked against it);
 * - HTTP clients (Graph, the token endpoint) get `guardedLookup` as their socket's `lookup`.
 */

export type { TargetPolicy } from './address-policy';

/** All addresses of a name (as `dns.lookup` with `all: true` gives them). */
export type ResolveAll = (host: string) => Promise<{ address: string; family: number }[]>;

const systemResolve: ResolveAll = (host) => dns.promises.lookup(host, { all: true, verbatim: true });

/** The deployment's policy: private and loopback targets only with `MAIL_ALLOW_PRIVATE_HOSTS=true`. */
export function targetPolicyFromEnv(env: NodeJS.ProcessEnv = process.env): TargetPolicy {
  const parsed = SettingsSchema.shape.MAIL_ALLOW_PRIVATE_HOSTS.safeParse(env.MAIL_ALLOW_PRIVATE_HOSTS);
  return { allowPrivate: parsed.success && parsed.data };
}

export const TARGET_REFUSED = 'CONNECT_TARGET_REFUSED';

export interface ConnectTarget {
  /** The checked IP address to open the socket to. */
  address: string;
  /** The configured name, for SNI and certificate checks (undefined for an IP literal). */
  servername?: string;
}

/**
 * Resolves `host`, refuses it when ANY of its addresses is not allowed (a resolver may hand
 * either one to a later connect), and returns the first address to connect to.
 */
export async function resolveConnectTarget(host: string, policy: TargetPolicy, what: string, resolve: ResolveAll = systemResolve): Promise<ConnectTarget> {
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  if (net.isIP(bare)) {
    refuseUnlessAllowed(bare, policy, what, host);
    return { address: bare };
  }
  let addresses: { address: string }[];
  try {
    addresses = await resolve(bare);
  } catch (err) {
    throw new TransientError('CONNECT_FAILED', `${what}: could not connect to the server`, { cause: err });
  }
  if (addresses.length === 0) throw new TransientError('CONNECT_FAILED', `${what}: could not connect to the server`);
  for (const a of addresses) refuseUnlessAllowed(a.address, policy, what, host);
  return { address: addresses[0]!.address, servername: bare.replace(/\.$/, '') };
}

function refuseUnlessAllowed(address: string, policy: TargetPolicy, what: string, host: string): void {
  const verdict = addressVerdict(address, policy);
  if (!verdict.allowed) {
    throw new PermanentError(TARGET_REFUSED, `${what}: "${host}" is ${verdict.reason}; mail connections may not go there`);
  }
}

/**
 * A `lookup` for `net.connect` (and every client that passes socket options through, such as
 * undici's and Node's https agents): resolves as `dns.lookup` does and fails the connect when
 * any address is not allowed. IP-literal hosts skip `lookup` in Node, so check those with
 * `assertLiteralAllowed` before handing the URL over.
 */
export function guardedLookup(policy: TargetPolicy, resolve: ResolveAll = systemResolve): LookupFunction {
  return (hostname, options, callback) => {
    resolve(hostname)
      .then((addresses) => {
        for (const a of addresses) refuseUnlessAllowed(a.address, policy, 'connection', hostname);
        const wanted = options.family === 4 || options.family === 6 ? addresses.filter((a) => a.family === options.family) : addresses;
        const first = wanted[0];
        if (!first) throw Object.assign(new Error(`no address for ${hostname}`), { code: 'ENOTFOUND' });
        if (options.all) callback(null, wanted);
        else callback(null, first.address, first.family);
      })
      .catch((err: NodeJS.ErrnoException) => callback(err, '', 0));
  };
}

/** The refusal somewhere in an error's cause chain (HTTP clients wrap what a socket's lookup threw). */
export function targetRefusalIn(err: unknown): MailChannelError | undefined {
  let cur: unknown = err;
  for (let depth = 0; depth < 8 && cur !== null && typeof cur === 'object'; depth++) {
    if (cur instanceof MailChannelError && cur.code === TARGET_REFUSED) return cur;
    cur = (cur as { cause?: unknown }).cause;
  }
  return undefined;
}

/** Refuses an IP-literal host that the policy does not allow (names are checked by `guardedLookup`). */
export function assertLiteralAllowed(host: string, policy: TargetPolicy, what: string): void {
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  if (net.isIP(bare)) refuseUnlessAllowed(bare, policy, what, host);
}
