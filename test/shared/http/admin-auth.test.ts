import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  authenticateAdmin, parseClientPrincipal, principalRoles, principalName, constantTimeEqual, adminAuthConfigFromEnv, ADMIN_ROLE,
} from '../../../shared/http/admin-auth';

const KEY = 'local-admin-key-0123456789abcdef';

function headers(h: Record<string, string | undefined>) {
  const lower: Record<string, string | undefined> = Object.fromEntries(Object.entries(h).map(([k, v]) => [k.toLowerCase(), v]));
  return { get: (n: string) => lower[n.toLowerCase()] ?? null };
}

/** The header App Service Authentication injects, in its documented shape. */
function principalHeader(claims: { typ: string; val: string }[], extra: Record<string, string> = {}): string {
  const body = {
    auth_typ: 'aad',
    claims,
    name_typ: 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress',
    role_typ: 'http://schemas.microsoft.com/ws/2008/06/identity/claims/role',
    ...extra,
  };
  return Buffer.from(JSON.stringify(body)).toString('base64');
}

const easyAuth = { adminApiKey: KEY, trustClientPrincipal: true };

test('an Entra principal with the MailChannel.Admin app role is an admin, named by its name claim', () => {
  const h = headers({
    'x-ms-client-principal': principalHeader([
      { typ: 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress', val: 'ada@example.com' },
      { typ: 'roles', val: 'Reader' },
      { typ: 'roles', val: ADMIN_ROLE },
    ]),
  });
  const out = authenticateAdmin(h, easyAuth);
  assert.deepEqual(out, { ok: true, principal: { kind: 'appServiceAuth', name: 'ada@example.com', roles: ['Reader', ADMIN_ROLE] } });
});

test('the role may also come under the principal role_typ claim type', () => {
  const p = parseClientPrincipal(principalHeader([{ typ: 'http://schemas.microsoft.com/ws/2008/06/identity/claims/role', val: ADMIN_ROLE }]));
  assert.ok(p);
  assert.deepEqual(principalRoles(p), [ADMIN_ROLE]);
});

test('a signed-in principal without the role gets 403', () => {
  const h = headers({ 'x-ms-client-principal': principalHeader([{ typ: 'roles', val: 'MailChannel.Reader' }]) });
  const out = authenticateAdmin(h, easyAuth);
  assert.equal(out.ok, false);
  assert.equal(!out.ok && out.status, 403);
});

test('nobody, a wrong key or a garbage principal header gets 401', () => {
  for (const h of [{}, { 'x-functions-key': 'wrong-key-wrong-key' }, { authorization: 'Bearer nope' }, { 'x-ms-client-principal': 'not base64 json' }]) {
    const out = authenticateAdmin(headers(h), easyAuth);
    assert.equal(!out.ok && out.status, 401, JSON.stringify(h));
  }
});

test('the admin key works as x-functions-key or as a bearer token', () => {
  for (const h of [{ 'x-functions-key': KEY }, { authorization: `Bearer ${KEY}` }, { Authorization: `bearer  ${KEY} ` }]) {
    const out = authenticateAdmin(headers(h), easyAuth);
    assert.deepEqual(out, { ok: true, principal: { kind: 'adminKey', name: 'admin-api-key' } }, JSON.stringify(h));
  }
});

test('without App Service Authentication in front, a principal header is ignored (anyone could forge it)', () => {
  const forged = headers({ 'x-ms-client-principal': principalHeader([{ typ: 'roles', val: ADMIN_ROLE }]) });
  const out = authenticateAdmin(forged, { adminApiKey: KEY, trustClientPrincipal: false });
  assert.equal(!out.ok && out.status, 401);
});

test('without ADMIN_API_KEY configured no key is accepted, not even an empty one', () => {
  for (const h of [{ 'x-functions-key': '' }, { 'x-functions-key': 'anything-at-all-1234' }]) {
    assert.equal(authenticateAdmin(headers(h), { trustClientPrincipal: false }).ok, false);
  }
});

test('the environment decides: WEBSITE_AUTH_ENABLED=True trusts the principal; a short ADMIN_API_KEY is not used', () => {
  assert.deepEqual(adminAuthConfigFromEnv({ WEBSITE_AUTH_ENABLED: 'True', ADMIN_API_KEY: KEY }), { adminApiKey: KEY, trustClientPrincipal: true });
  assert.deepEqual(adminAuthConfigFromEnv({ ADMIN_API_KEY: 'short' }), { adminApiKey: undefined, trustClientPrincipal: false });
});

test('principal names fall back through name claims to the principal-name header', () => {
  const p = parseClientPrincipal(principalHeader([{ typ: 'preferred_username', val: 'bob@example.com' }], { name_typ: 'nonexistent' }));
  assert.ok(p);
  assert.equal(principalName(p), 'bob@example.com');
  const bare = parseClientPrincipal(principalHeader([]));
  assert.ok(bare);
  assert.equal(principalName(bare, 'carol@example.com'), 'carol@example.com');
});

test('keys are compared in constant time whatever their lengths', () => {
  assert.equal(constantTimeEqual('abc', 'abc'), true);
  assert.equal(constantTimeEqual('abc', 'abcd'), false);
  assert.equal(constantTimeEqual('', 'x'), false);
});
