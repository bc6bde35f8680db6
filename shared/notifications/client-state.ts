import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * The `clientState` of a Graph subscription: a random secret Graph echoes in every
 * notification, so the receiver can tell Graph's notifications from forged ones.
 *
 * Only its SHA-256 is stored (in the subscription record, Cosmos). The clear value is needed
 * exactly once, in the create request: a renewal does not send it, and a recreate makes a new
 * one. Hashing keeps it out of Cosmos in clear, and the notification handler reads the record
 * anyway, so checking costs no extra I/O (a secret-store read per notification would add
 * latency and Key Vault throttling to a path that must answer within 3 s). With 256 random
 * bits there is nothing to brute-force, so neither salt nor a slow KDF is needed.
 */

/** 32 random bytes, base64url: 43 characters (Graph allows 128). */
export function newClientState(): string {
  return randomBytes(32).toString('base64url');
}

/** What is stored instead of the secret: its SHA-256, base64url. */
export function hashClientState(clientState: string): string {
  return createHash('sha256').update(clientState, 'utf8').digest('base64url');
}

/**
 * Whether a received clientState is the one whose hash is stored, in constant time (both
 * sides are 32-byte digests, so neither the length nor the content leaks through timing).
 */
export function clientStateMatches(received: string | null | undefined, storedHash: string | undefined): boolean {
  if (!received || !storedHash) return false;
  const expected = Buffer.from(storedHash, 'base64url');
  const actual = createHash('sha256').update(received, 'utf8').digest();
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}
