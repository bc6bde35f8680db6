import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { ChannelInput, ChannelRecord, ChannelView } from '../../../shared/config/channel';
import { LocalFileSecretStore } from '../../../shared/secrets/local-file-store';
import {
  storeInputSecrets, secretStatusView, secretSlots, dropSecretStatusObjects, recordSecretRefs, CONNECTION_FIELD_ROLES, secretRouteIssues,
} from '../../../shared/admin/channel-secrets';

const store = new LocalFileSecretStore(path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'cs-')), 's.json'), randomBytes(32));

const everySecret = ChannelInput.parse({
  name: 'All secrets',
  connection: {
    protocol: 'imap', host: 'imap.example.com', username: 'u@example.com',
    auth: { type: 'oauth', tenantId: 't', clientId: 'c', clientSecret: 'imap-client-secret', refreshToken: 'imap-refresh-token' },
    smtp: { host: 'smtp.example.com', auth: { type: 'password', password: 'smtp-password' } },
  },
  ticketMapping: { templateId: 'it-support' },
});

const audit = { id: 'ch', status: 'draft', createdAt: '2024-01-01T00:00:00.000Z', createdBy: 't', updatedAt: '2024-01-01T00:00:00.000Z', updatedBy: 't' } as const;

test('every secret a channel can hold goes to the store; the record holds only references', async () => {
  assert.deepEqual(secretSlots(everySecret).map((s) => s.path), ['connection.auth.clientSecret', 'connection.auth.refreshToken', 'connection.smtp.auth.password']);
  const { record, written, obsolete } = await storeInputSecrets('ch', everySecret, undefined, store);
  const full = ChannelRecord.parse({ ...record, ...audit }); // fails if any secret were left as a string
  const json = JSON.stringify(full);
  for (const v of ['imap-client-secret', 'imap-refresh-token', 'smtp-password']) assert.ok(!json.includes(v), v);
  assert.equal(written.length, 3);
  assert.deepEqual(obsolete, []);
  const values = await Promise.all(recordSecretRefs(full).map((r) => store.get(r.ref)));
  assert.deepEqual(values.sort(), ['imap-client-secret', 'imap-refresh-token', 'smtp-password']);
});

test('the view shows { isSet } for each applicable secret, set or not', async () => {
  const input = ChannelInput.parse({ ...everySecret, connection: { ...everySecret.connection, auth: { type: 'oauth', tenantId: 't', clientId: 'c', clientSecret: 'x' } } });
  const { record } = await storeInputSecrets('ch', input, undefined, store);
  const view = ChannelView.parse({ ...secretStatusView(ChannelRecord.parse({ ...record, ...audit })), etag: '"e"' });
  assert.deepEqual(view.connection.auth, { type: 'oauth', flow: 'clientCredentials', tenantId: 't', clientId: 'c', scopes: [], clientSecret: { isSet: true }, refreshToken: { isSet: false } });
});

test('absent keeps the stored secret, null clears it, a value replaces it under a new name; old names become obsolete', async () => {
  const first = ChannelRecord.parse({ ...(await storeInputSecrets('ch', everySecret, undefined, store)).record, ...audit });
  const before = Object.fromEntries(recordSecretRefs(first).map((r) => [r.ref.replace(/-[0-9a-f]{8}$/, ''), r.ref]));
  const next = ChannelInput.parse({
    ...everySecret,
    connection: {
      ...everySecret.connection,
      auth: { type: 'oauth', tenantId: 't', clientId: 'c', clientSecret: 'rotated', refreshToken: null },
      smtp: { host: 'smtp.example.com', auth: { type: 'password' } },
    },
  });
  const { record, obsolete, written } = await storeInputSecrets('ch', next, first, store);
  const second = ChannelRecord.parse({ ...record, ...audit });
  assert.equal(second.connection.protocol === 'imap' && second.connection.smtp?.auth?.type === 'password' && second.connection.smtp.auth.password?.ref,
    before['channel-ch-connection-smtp-auth-password']);
  assert.ok(second.connection.auth.type === 'oauth' && second.connection.auth.refreshToken === undefined);
  assert.equal(written.length, 1);
  assert.deepEqual(obsolete.sort(), [before['channel-ch-connection-auth-clientsecret'], before['channel-ch-connection-auth-refreshtoken']].sort());
});

test('switching from password to OAuth makes the old password obsolete', async () => {
  const pw = ChannelInput.parse({ ...everySecret, connection: { protocol: 'graph', username: 'u@example.com', auth: { type: 'password', password: 'p' } } });
  const first = ChannelRecord.parse({ ...(await storeInputSecrets('ch', pw, undefined, store)).record, ...audit });
  const oauth = ChannelInput.parse({ ...pw, connection: { protocol: 'graph', username: 'u@example.com', auth: { type: 'oauth', tenantId: 't', clientId: 'c' } } });
  const { obsolete } = await storeInputSecrets('ch', oauth, first, store);
  assert.deepEqual(obsolete, recordSecretRefs(first).map((r) => r.ref));
});

test('a view sent back as it came ({ isSet } objects) means "keep", other values are untouched', () => {
  const body = { connection: { auth: { type: 'password', password: { isSet: true } }, smtp: { auth: { type: 'password', password: 'new' } } } };
  assert.deepEqual(dropSecretStatusObjects(body), { connection: { auth: { type: 'password' }, smtp: { auth: { type: 'password', password: 'new' } } } });
});

// ---------- a stored secret never follows a changed destination (finding 3) ----------

/** Every leaf field under `connection`, over both protocols and both auth types. */
function leafPaths(schema: z.ZodType, prefix: string): string[] {
  let s: z.ZodType = schema;
  while (s instanceof z.ZodOptional || s instanceof z.ZodDefault || s instanceof z.ZodPrefault || s instanceof z.ZodNullable) s = s.unwrap() as z.ZodType;
  if (s instanceof z.ZodDiscriminatedUnion) return [...new Set((s.options as z.ZodType[]).flatMap((o) => leafPaths(o, prefix)))];
  if (s instanceof z.ZodObject) return Object.entries(s.shape as Record<string, z.ZodType>).flatMap(([k, v]) => leafPaths(v, prefix ? `${prefix}.${k}` : k));
  return [prefix];
}

test('every connection field is classified by what its change means for the stored secrets', () => {
  const fields = [...new Set(leafPaths(ChannelInput.shape.connection, ''))].sort();
  assert.deepEqual(Object.keys(CONNECTION_FIELD_ROLES).sort(), fields, 'a new connection field must be added to CONNECTION_FIELD_ROLES');
});

const passwordBorrowedBySmtp = {
  name: 'Password, SMTP borrows it',
  connection: { protocol: 'imap', host: 'imap.example.com', username: 'u@example.com', auth: { type: 'password', password: 'imap-pw' }, smtp: { host: 'smtp.example.com' } },
  ticketMapping: { templateId: 'it-support' },
};
const oauthEverywhere = {
  name: 'OAuth, SMTP with its own',
  connection: {
    protocol: 'imap', host: 'outlook.office365.com', username: 'u@example.com',
    auth: { type: 'oauth', tenantId: 'contoso.example', clientId: 'app-1', clientSecret: 'cs-1', refreshToken: 'rt-1', tokenEndpoint: 'https://login.example.com/t/oauth2/v2.0/token', scopes: ['https://outlook.office365.com/.default'] },
    smtp: { host: 'smtp.office365.com', auth: { type: 'oauth', tenantId: 'contoso.example', clientId: 'app-2', clientSecret: 'cs-2' } },
  },
  ticketMapping: { templateId: 'it-support' },
};

/** A different, valid value for a field. */
function otherValue(path: string): unknown {
  const leaf = path.split('.').at(-1)!;
  const byLeaf: Record<string, unknown> = {
    protocol: 'graph', host: 'mail.attacker.example', port: 2525, tls: path === 'smtp.tls' ? 'implicit' : 'starttls', allowPlaintext: true,
    username: 'someone.else@example.com', replyTo: 'desk@example.com', pollIntervalSeconds: 300, timeoutMs: 5000, retryCount: 1, backoffMs: 10,
    flow: 'authorizationCode', tenantId: 'fabrikam.example', clientId: 'app-x', tokenEndpoint: 'https://login.attacker.example/t/oauth2/v2.0/token',
    redirectUrl: 'https://desk.example.com/callback', scopes: ['https://graph.microsoft.com/.default'],
  };
  return byLeaf[leaf];
}

async function storedRecord(raw: Record<string, unknown>) {
  const { record } = await storeInputSecrets('ch', ChannelInput.parse(raw), undefined, store);
  return ChannelRecord.parse({ ...record, ...audit });
}

/** The raw input without any secret, with `path` (under connection) set to `value`. */
function changed(raw: Record<string, unknown>, path: string, value: unknown): ChannelInput {
  const copy = dropSecretStatusObjects(structuredClone(raw)) as Record<string, unknown>;
  const withoutSecrets = JSON.parse(JSON.stringify(copy, (k, v) => (['password', 'clientSecret', 'refreshToken'].includes(k) ? undefined : v))) as Record<string, unknown>;
  let obj = withoutSecrets.connection as Record<string, unknown>;
  const parts = path.split('.');
  for (const p of parts.slice(0, -1)) obj = obj[p] as Record<string, unknown>;
  obj[parts.at(-1)!] = value;
  return ChannelInput.parse(withoutSecrets);
}

for (const [path, role] of Object.entries(CONNECTION_FIELD_ROLES)) {
  if (role === 'secret' || path.endsWith('.type')) continue;
  for (const [baseName, base] of [['password + borrowed SMTP', passwordBorrowedBySmtp], ['OAuth everywhere', oauthEverywhere]] as const) {
    const applies = (() => {
      const parts = path.split('.');
      let cur: unknown = base.connection;
      for (const p of parts.slice(0, -1)) cur = (cur as Record<string, unknown> | undefined)?.[p];
      const leaf = parts.at(-1)!;
      if (leaf === 'managedIdentityClientId') return false; // a field of the managedIdentity auth only: see its own test below
      return cur !== undefined && !(path.includes('auth.') && (cur as { type?: string }).type !== 'oauth' && !['type', 'password'].includes(leaf));
    })();
    if (!applies) continue;
    const redirects = role !== 'neutral';
    test(`${baseName}: changing connection.${path} (${role}) without the secret ${redirects ? 'is refused, naming the secret' : 'keeps the stored secret'}`, async () => {
      const previous = await storedRecord(base);
      const issues = secretRouteIssues(changed(base, path, otherValue(path)), previous);
      if (redirects) {
        assert.ok(issues.length > 0, 'refused');
        assert.ok(issues.every((i) => /^connection\.(smtp\.)?auth\.(password|clientSecret|refreshToken)$/.test(i.path) && i.message.includes(`connection.${path}`)), JSON.stringify(issues));
      } else {
        assert.deepEqual(issues, []);
      }
    });
  }
}

test('adding an SMTP block that borrows the IMAP auth needs the IMAP password again; sending it (or null) is accepted', async () => {
  const raw = { ...passwordBorrowedBySmtp, connection: { ...passwordBorrowedBySmtp.connection, smtp: undefined } };
  const previous = await storedRecord(raw);
  const withSmtp = ChannelInput.parse({ ...raw, connection: { ...raw.connection, auth: { type: 'password' }, smtp: { host: 'smtp.attacker.example' } } });
  assert.deepEqual(secretRouteIssues(withSmtp, previous).map((i) => i.path), ['connection.auth.password']);
  const resent = ChannelInput.parse({ ...raw, connection: { ...raw.connection, smtp: { host: 'smtp.attacker.example' } } });
  assert.deepEqual(secretRouteIssues(resent, previous), []);
  const cleared = ChannelInput.parse({ ...raw, connection: { ...raw.connection, auth: { type: 'password', password: null }, smtp: { host: 'smtp.attacker.example' } } });
  assert.deepEqual(secretRouteIssues(cleared, previous), []);
});

test('a managed identity channel holds no secret; switching an OAuth channel to it leaves the old secrets obsolete, and nothing is asked again', async () => {
  const graphOauth = {
    name: 'Graph, client secret',
    connection: { protocol: 'graph', username: 'desk@contoso.example', auth: { type: 'oauth', tenantId: 'contoso.example', clientId: 'app-1', clientSecret: 'cs-1' } },
    ticketMapping: { templateId: 'it-support' },
  };
  const previous = await storedRecord(graphOauth);
  const managed = ChannelInput.parse({ ...graphOauth, connection: { ...graphOauth.connection, auth: { type: 'managedIdentity' } } });
  assert.deepEqual(secretSlots(managed), []);
  assert.deepEqual(secretRouteIssues(managed, previous), []);
  const { record, written, obsolete } = await storeInputSecrets('ch', managed, previous, store);
  assert.deepEqual(record.connection.auth, { type: 'managedIdentity' });
  assert.deepEqual(written, []);
  assert.deepEqual(obsolete, recordSecretRefs(previous).map((r) => r.ref));
  const view = secretStatusView(ChannelRecord.parse({ ...record, ...audit }));
  assert.deepEqual((view.connection as { auth: unknown }).auth, { type: 'managedIdentity' });
  // another identity or another host moves no secret either (the host rule guards its token instead)
  const elsewhere = ChannelInput.parse({ ...managed, connection: { ...managed.connection, host: 'graph.microsoft.us', auth: { type: 'managedIdentity', managedIdentityClientId: '6f1c2d3e-4a5b-4c6d-8e7f-9a0b1c2d3e4f' } } });
  assert.deepEqual(secretRouteIssues(elsewhere, ChannelRecord.parse({ ...record, ...audit })), []);
});
