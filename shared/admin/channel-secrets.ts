import { randomBytes } from 'node:crypto';
import type { ChannelInput, ChannelRecord, SecretRef } from '../config/channel';
import type { SecretStore } from '../secrets/secret-store';
import { isPlainObject } from './merge-patch';

/**
 * Where a channel keeps secrets, and how they move between the three shapes:
 * input (value / null / absent) → record (`SecretRef` in the secret store) → view (`{ isSet }`).
 *
 * Secrets sit in auth objects (`connection.auth`, `connection.smtp.auth`); which keys are
 * secret depends on the auth type. A new value is written under a fresh name and the old
 * one deleted only after Cosmos accepted the new record, so a failed or conflicting
 * update never leaves the stored record pointing at a changed or missing secret.
 */
export const AUTH_LOCATIONS = [['connection', 'auth'], ['connection', 'smtp', 'auth']] as const;
export const SECRET_KEYS_BY_AUTH_TYPE: Record<string, readonly string[]> = {
  password: ['password'],
  oauth: ['clientSecret', 'refreshToken'],
};
export const ALL_SECRET_KEYS = ['password', 'clientSecret', 'refreshToken'] as const;

/** A secret's place: the auth object's path and the key in it. */
export interface SecretSlot {
  auth: readonly string[];
  key: string;
  /** Dotted, e.g. `connection.auth.password`. */
  path: string;
}

function getAt(root: unknown, path: readonly string[]): unknown {
  let cur: unknown = root;
  for (const p of path) {
    if (!isPlainObject(cur)) return undefined;
    cur = cur[p];
  }
  return cur;
}

/** The secret slots that apply to a channel of this shape (by its auth types). */
export function secretSlots(channel: unknown): SecretSlot[] {
  const slots: SecretSlot[] = [];
  for (const auth of AUTH_LOCATIONS) {
    const obj = getAt(channel, auth);
    if (!isPlainObject(obj) || typeof obj.type !== 'string') continue;
    for (const key of SECRET_KEYS_BY_AUTH_TYPE[obj.type] ?? []) slots.push({ auth, key, path: [...auth, key].join('.') });
  }
  return slots;
}

/**
 * Removes every secret key from an object shaped like a channel (any auth type), and
 * returns what was there by dotted path. Used on PATCH bodies and before views.
 */
export function extractSecrets(channel: unknown): { rest: unknown; found: Map<string, unknown> } {
  const found = new Map<string, unknown>();
  const rest = structuredClone(channel);
  for (const auth of AUTH_LOCATIONS) {
    const obj = getAt(rest, auth);
    if (!isPlainObject(obj)) continue;
    for (const key of ALL_SECRET_KEYS) {
      if (Object.hasOwn(obj, key)) {
        found.set([...auth, key].join('.'), obj[key]);
        delete obj[key];
      }
    }
  }
  return { rest, found };
}

/** Puts `value` at `path` if the parent object exists (a secret of a removed auth object is dropped). */
export function placeAt(root: unknown, path: string, value: unknown): void {
  const parts = path.split('.');
  const key = parts.pop();
  const parent = getAt(root, parts);
  if (key && isPlainObject(parent)) parent[key] = value;
}

/**
 * What a client sends back from a GET: secrets as `{ isSet }`. Such a value means "keep",
 * exactly like an absent one, so a view can be edited and PUT back as it is.
 */
export function dropSecretStatusObjects(body: unknown): unknown {
  const { rest, found } = extractSecrets(body);
  for (const [path, value] of found) {
    if (!(isPlainObject(value) && typeof value.isSet === 'boolean')) placeAt(rest, path, value);
  }
  return rest;
}

/** Secret name in the store: readable, Key Vault-safe, fresh on every write. */
export function secretName(channelId: string, slot: SecretSlot): string {
  return `channel-${channelId}-${slot.path.replaceAll('.', '-')}-${randomBytes(4).toString('hex')}`.toLowerCase();
}

export interface SecretWrite {
  /** The record's secret fields: input values replaced by references (or removed). */
  record: ChannelRecordDraft;
  /** Names written now: delete them if the record write fails. */
  written: string[];
  /** Names the previous record referenced that the new one does not: delete after success. */
  obsolete: string[];
}

/** A record body as built from input before the audit fields are added. */
export type ChannelRecordDraft = Omit<ChannelRecord, 'id' | 'status' | 'createdAt' | 'createdBy' | 'updatedAt' | 'updatedBy' | 'publishedAt' | 'offerId'>;

/**
 * Turns a validated input into record fields: each secret value goes to the store,
 * `null` clears, absent keeps what `previous` had at that place (if the place still applies).
 */
export async function storeInputSecrets(
  channelId: string,
  input: ChannelInput,
  previous: ChannelRecord | undefined,
  store: SecretStore,
): Promise<SecretWrite> {
  const draft = structuredClone(input) as unknown as Record<string, unknown>;
  const written: string[] = [];
  const kept = new Set<string>();
  try {
    for (const slot of secretSlots(input)) {
      const authObj = getAt(draft, slot.auth) as Record<string, unknown>;
      const value = authObj[slot.key];
      if (typeof value === 'string') {
        const name = secretName(channelId, slot);
        const ref = await store.set(name, value);
        written.push(name);
        authObj[slot.key] = ref;
      } else if (value === null) {
        delete authObj[slot.key];
      } else {
        const before = previous ? refAt(previous, slot.path) : undefined;
        if (before) {
          authObj[slot.key] = before;
          kept.add(before.ref);
        } else {
          delete authObj[slot.key];
        }
      }
    }
  } catch (err) {
    await deleteQuietly(store, written);
    throw err;
  }
  const obsolete = previous ? recordSecretRefs(previous).map((r) => r.ref).filter((ref) => !kept.has(ref)) : [];
  return { record: draft as unknown as ChannelRecordDraft, written, obsolete };
}

function refAt(record: ChannelRecord, path: string): SecretRef | undefined {
  const v = getAt(record, path.split('.'));
  return isPlainObject(v) && typeof v.ref === 'string' && typeof v.updatedAt === 'string' ? { ref: v.ref, updatedAt: v.updatedAt } : undefined;
}

/** Every secret reference a stored record holds. */
export function recordSecretRefs(record: ChannelRecord): SecretRef[] {
  return secretSlots(record)
    .map((s) => refAt(record, s.path))
    .filter((r): r is SecretRef => r !== undefined);
}

/** The record's body with every secret as `{ isSet }` (every applicable slot present). */
export function secretStatusView(record: ChannelRecord): Record<string, unknown> {
  const view = structuredClone(record) as unknown as Record<string, unknown>;
  for (const slot of secretSlots(record)) {
    const authObj = getAt(view, slot.auth) as Record<string, unknown>;
    authObj[slot.key] = { isSet: refAt(record, slot.path) !== undefined };
  }
  return view;
}

/** Deletes names, never throwing; returns the names that could not be deleted. */
export async function deleteQuietly(store: SecretStore, names: readonly string[]): Promise<string[]> {
  const failed: string[] = [];
  for (const n of names) {
    try {
      await store.delete(n);
    } catch {
      failed.push(n);
    }
  }
  return failed;
}
