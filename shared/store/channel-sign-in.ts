import { randomBytes, createHash } from 'node:crypto';
import { z } from 'zod';
import { AuthorizationStateRecord } from '../auth/authorization-state';
import type { SecretStore } from '../secrets/secret-store';
import { container } from './cosmos';
import { readItem } from './cosmos-items';
import { cosmosStatus } from './errors';

/**
 * A channel's delegated sign-in (authorization-code flow), in the syncState container (pk /channelId):
 *
 * - `signIn`: which secret holds the current refresh token, its generation, the signed-in
 *   account, and whether the channel needs the admin to sign in again (with the provider's
 *   error). Every rotated refresh token is written under a NEW secret name and the pointer is
 *   replaced with If-Match, so two instances that refresh at once cannot lose the newer token:
 *   the loser of the race keeps the winner's and deletes its own.
 * - `oauthState` records: pending sign-ins (authorization-state.ts), taken out once.
 */
export const SignInRecord = z.object({
  id: z.literal('signIn'),
  channelId: z.string(),
  kind: z.literal('signIn'),
  /** Secret holding the current refresh token; absent before the first sign-in. */
  secretName: z.string().optional(),
  generation: z.number().int().min(0).default(0),
  account: z.string().optional(),
  signedInAt: z.string().optional(),
  rotatedAt: z.string().optional(),
  /** Set when a refresh failed for good; cleared by a sign-in. */
  needsReauthorization: z.object({ code: z.string(), message: z.string(), at: z.string() }).optional(),
});
export type SignInRecord = z.infer<typeof SignInRecord>;

export interface StoredSignIn {
  record: SignInRecord;
  etag: string;
}

type Secrets = Pick<SecretStore, 'set' | 'get' | 'delete'>;

const hashId = (channelId: string) => createHash('sha256').update(channelId).digest('hex').slice(0, 16);
const refreshSecretName = (channelId: string) => `channel-${hashId(channelId)}-oauth-refresh-${randomBytes(6).toString('hex')}`;

export async function readSignIn(channelId: string): Promise<StoredSignIn | undefined> {
  const c = await container('syncState');
  const doc = await readItem(c, 'signIn', channelId);
  return doc ? { record: SignInRecord.parse(doc), etag: doc._etag ?? '' } : undefined;
}

/** The current refresh token and the version it was read at (undefined = never signed in here). */
export async function readRefreshToken(channelId: string, secrets: Secrets): Promise<{ token: string; etag: string; record: SignInRecord } | undefined> {
  const stored = await readSignIn(channelId);
  if (!stored?.record.secretName) return undefined;
  const token = await secrets.get(stored.record.secretName);
  return token ? { token, etag: stored.etag, record: stored.record } : undefined;
}

/**
 * Saves a refresh token as the next generation, if the pointer is still at `expectedEtag`
 * (undefined: no pointer yet, or a sign-in, which replaces whatever is there).
 * `conflict`: another instance saved first; the token given here was dropped.
 */
export async function saveRefreshToken(
  channelId: string,
  token: string,
  secrets: Secrets,
  change: { expectedEtag?: string; signIn?: { account?: string }; now: Date },
): Promise<'saved' | 'conflict'> {
  const c = await container('syncState');
  const current = await readSignIn(channelId);
  if (change.expectedEtag !== undefined && current?.etag !== change.expectedEtag) return 'conflict';
  const name = refreshSecretName(channelId);
  await secrets.set(name, token);
  const at = change.now.toISOString();
  const base: SignInRecord = current?.record ?? { id: 'signIn', channelId, kind: 'signIn', generation: 0 };
  const next: SignInRecord = SignInRecord.parse({
    ...base,
    secretName: name,
    generation: base.generation + 1,
    ...(change.signIn ? { signedInAt: at, account: change.signIn.account, needsReauthorization: undefined } : { rotatedAt: at }),
  });
  try {
    if (current) await c.item('signIn', channelId).replace(next, { accessCondition: { type: 'IfMatch', condition: current.etag } });
    else await c.items.create(next);
  } catch (err) {
    await secrets.delete(name);
    if (cosmosStatus(err) === 412 || cosmosStatus(err) === 409) return 'conflict';
    throw err;
  }
  if (current?.record.secretName) await secrets.delete(current.record.secretName).catch(() => undefined);
  return 'saved';
}

/** A refresh failed for good: the channel shows it until an admin signs in again. */
export async function markNeedsReauthorization(channelId: string, error: { code: string; message: string }, now: Date): Promise<void> {
  const c = await container('syncState');
  for (let attempt = 0; attempt < 3; attempt++) {
    const current = await readSignIn(channelId);
    const next = SignInRecord.parse({ ...(current?.record ?? { id: 'signIn', channelId, kind: 'signIn' }), needsReauthorization: { ...error, at: now.toISOString() } });
    try {
      if (current) await c.item('signIn', channelId).replace(next, { accessCondition: { type: 'IfMatch', condition: current.etag } });
      else await c.items.create(next);
      return;
    } catch (err) {
      if (cosmosStatus(err) !== 412 && cosmosStatus(err) !== 409) throw err;
    }
  }
}

// ---------- pending sign-ins ----------

/** Stores a pending sign-in; the channel's abandoned ones (past their expiry) go at the same time, so they do not pile up. */
export async function saveAuthorizationState(record: AuthorizationStateRecord, now: Date): Promise<void> {
  const c = await container('syncState');
  const { resources: stale } = await c.items
    .query<{ id: string }>({
      query: "SELECT c.id FROM c WHERE c.channelId = @channelId AND c.kind = 'oauthState' AND c.expiresAt < @now",
      parameters: [{ name: '@channelId', value: record.channelId }, { name: '@now', value: now.toISOString() }],
    })
    .fetchAll();
  await Promise.all(stale.map((s) => c.item(s.id, record.channelId).delete().catch((err: unknown) => { if (cosmosStatus(err) !== 404) throw err; })));
  await c.items.create(AuthorizationStateRecord.parse(record));
}

/** Takes a pending sign-in out (single use): a second take of the same state finds nothing. */
export async function takeAuthorizationState(channelId: string, id: string): Promise<AuthorizationStateRecord | undefined> {
  const c = await container('syncState');
  const doc = await readItem(c, id, channelId);
  if (!doc) return undefined;
  try {
    await c.item(id, channelId).delete({ accessCondition: { type: 'IfMatch', condition: doc._etag ?? '' } });
  } catch (err) {
    if (cosmosStatus(err) === 404 || cosmosStatus(err) === 412) return undefined; // taken by a concurrent callback
    throw err;
  }
  const parsed = AuthorizationStateRecord.safeParse(doc);
  return parsed.success ? parsed.data : undefined;
}
