import { randomBytes } from 'node:crypto';
import type { ChannelInput, ChannelRecord, SecretRef } from '../config/channel';
import type { ApiIssue } from '../http/api-error';
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
  // The Function App's identity: the platform holds the credential, the channel none.
  managedIdentity: [],
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

/**
 * What a change to each field of `connection` means for the stored secrets. A secret is kept
 * across an update only while everything that decides where it (or a token it mints) is sent
 * stays the same; otherwise the admin must send it again, so nobody who may edit a channel
 * but does not know its password can point the password at a server of their own.
 *
 *   role         | fields                                  | moves which secrets
 *   -------------|-----------------------------------------|-----------------------------------------------
 *   server       | protocol, host, port, tls               | connection.auth.* (the password is sent there;
 *                |                                         | an OAuth secret's access tokens are sent there)
 *   smtp-server  | smtp.host, smtp.port, smtp.tls          | connection.smtp.auth.*, and connection.auth.*
 *                |                                         | while SMTP borrows the IMAP auth (no smtp.auth):
 *                |                                         | adding such an SMTP block moves it too
 *   authority    | auth.tokenEndpoint, auth.tenantId,      | the OAuth secrets of that auth object (the
 *                | auth.clientId, auth.scopes (and smtp.…) | client secret and refresh token go to the token
 *                |                                         | endpoint for that tenant and app; scopes choose
 *                |                                         | the audience of the token sent to the server)
 *   secret       | auth.password, auth.clientSecret,       | —  (the values themselves)
 *                | auth.refreshToken (and smtp.…)          |
 *   neutral      | everything else                         | nothing: username (same server, other login),
 *                |                                         | auth.type (another type has other secrets),
 *                |                                         | auth.flow, auth.redirectUrl (receives codes,
 *                |                                         | never a stored secret), allowPlaintext (tls
 *                |                                         | carries the change), timeouts, poll interval,
 *                |                                         | auth.managedIdentityClientId (picks one of the
 *                |                                         | app's own identities; no stored secret)
 *
 * A managedIdentity auth holds no secret, so nothing here guards where its token goes: that
 * token is only ever sent to Microsoft's Graph hosts (sources/graph-connection.ts,
 * assertManagedIdentityHost), whatever connection.host says.
 *
 * A new connection field must be added here: test/shared/admin/channel-secrets.test.ts
 * compares this table with the schema.
 */
export type ConnectionFieldRole = 'server' | 'smtp-server' | 'authority' | 'secret' | 'neutral';

const AUTH_FIELD_ROLES = {
  type: 'neutral',
  password: 'secret',
  flow: 'neutral',
  tenantId: 'authority',
  clientId: 'authority',
  clientSecret: 'secret',
  tokenEndpoint: 'authority',
  redirectUrl: 'neutral',
  scopes: 'authority',
  refreshToken: 'secret',
  managedIdentityClientId: 'neutral',
} as const satisfies Record<string, ConnectionFieldRole>;

const prefixed = (prefix: string, roles: Record<string, ConnectionFieldRole>) => Object.fromEntries(Object.entries(roles).map(([k, v]) => [`${prefix}.${k}`, v]));

/** Every field of `connection` (dotted, relative to it; both protocols), by role. */
export const CONNECTION_FIELD_ROLES: Readonly<Record<string, ConnectionFieldRole>> = {
  protocol: 'server',
  host: 'server',
  port: 'server',
  tls: 'server',
  allowPlaintext: 'neutral',
  username: 'neutral',
  replyTo: 'neutral',
  pollIntervalSeconds: 'neutral',
  'settings.timeoutMs': 'neutral',
  'settings.retryCount': 'neutral',
  'settings.backoffMs': 'neutral',
  ...prefixed('auth', AUTH_FIELD_ROLES),
  'smtp.host': 'smtp-server',
  'smtp.port': 'smtp-server',
  'smtp.tls': 'smtp-server',
  'smtp.allowPlaintext': 'neutral',
  'smtp.username': 'neutral',
  ...prefixed('smtp.auth', AUTH_FIELD_ROLES),
};

/** The values that decide where the secret in `slot` goes (see the table above). */
function secretRoute(channel: unknown, slot: SecretSlot): Record<string, unknown> {
  const conn = getAt(channel, ['connection']);
  const authPrefix = slot.auth.slice(1).join('.'); // "auth" or "smtp.auth"
  const route: Record<string, unknown> = {};
  const pick = (role: ConnectionFieldRole, under?: string) => {
    for (const [field, r] of Object.entries(CONNECTION_FIELD_ROLES)) {
      if (r === role && (under === undefined || field.startsWith(`${under}.`))) route[field] = getAt(conn, field.split('.'));
    }
  };
  pick('authority', authPrefix);
  if (authPrefix === 'auth') {
    pick('server');
    const smtp = getAt(conn, ['smtp']);
    const borrowed = isPlainObject(smtp) && smtp.auth === undefined;
    route['smtp borrows auth'] = borrowed;
    if (borrowed) pick('smtp-server');
  } else {
    pick('smtp-server');
  }
  return route;
}

/**
 * One issue per stored secret the input would keep (absent or `{ isSet }`) although a field
 * that decides where it goes changed: the admin sends the secret again, or `null` to clear it.
 */
export function secretRouteIssues(input: ChannelInput, previous: ChannelRecord): ApiIssue[] {
  const issues: ApiIssue[] = [];
  for (const slot of secretSlots(input)) {
    const value = getAt(input, [...slot.auth, slot.key]);
    if (value !== undefined || !refAt(previous, slot.path)) continue;
    const before = secretRoute(previous, slot);
    const after = secretRoute(input, slot);
    const changed = Object.keys(after).filter((k) => JSON.stringify(before[k]) !== JSON.stringify(after[k]));
    if (changed.length === 0) continue;
    const fields = changed.map((k) => (k === 'smtp borrows auth' ? 'connection.smtp (now using this auth)' : `connection.${k}`)).join(', ');
    issues.push({
      path: slot.path,
      message: `required again: ${fields} changed, and a stored secret is only ever sent where it was given for; send it again, or null to clear it`,
    });
  }
  return issues;
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
