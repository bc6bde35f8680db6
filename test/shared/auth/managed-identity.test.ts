import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  cachedManagedIdentityCredential,
  classifyManagedIdentityError,
  managedIdentityUnavailable,
} from '../../../shared/auth/managed-identity';
import { MailChannelError } from '../../../shared/errors';

const ENV = { IDENTITY_ENDPOINT: 'http://127.0.0.1:41741/msi/token', IDENTITY_HEADER: 'h' };
const system = { type: 'managedIdentity' as const };
const userAssigned = { type: 'managedIdentity' as const, managedIdentityClientId: '6f1c2d3e-4a5b-4c6d-8e7f-9a0b1c2d3e4f' };

test('a managed identity needs both IDENTITY_ENDPOINT and IDENTITY_HEADER; without them it is refused at once, not after IMDS retries', () => {
  assert.equal(managedIdentityUnavailable(ENV), undefined);
  for (const env of [{}, { IDENTITY_ENDPOINT: ENV.IDENTITY_ENDPOINT }, { IDENTITY_HEADER: 'h' }]) {
    assert.match(managedIdentityUnavailable(env) ?? '', /IDENTITY_ENDPOINT and IDENTITY_HEADER/);
    assert.throws(() => cachedManagedIdentityCredential(system, env), (err: unknown) => err instanceof MailChannelError && err.code === 'AUTH_MANAGED_IDENTITY_UNAVAILABLE' && !err.retryable);
  }
});

test('one credential per identity per process: channels on the same identity share it (and its token cache)', () => {
  const a = cachedManagedIdentityCredential(system, ENV);
  assert.equal(cachedManagedIdentityCredential({ type: 'managedIdentity' }, ENV), a);
  const u = cachedManagedIdentityCredential(userAssigned, ENV);
  assert.notEqual(u, a);
  assert.equal(cachedManagedIdentityCredential({ ...userAssigned, managedIdentityClientId: userAssigned.managedIdentityClientId.toUpperCase() }, ENV), u);
});

/** The chain @azure/identity throws: CredentialUnavailableError → MSAL ServerError with the endpoint's status. */
function identityError(status: number | undefined, description: string): Error {
  const server = Object.assign(new Error(`: Error(s): Not Available - Timestamp: Not Available - Description: ${description} - Correlation ID: c - Trace ID: Not Available`), status === undefined ? {} : { status });
  const err = new Error(`ManagedIdentityCredential: Authentication failed. Message ${server.message}`, { cause: server });
  err.name = 'CredentialUnavailableError';
  return err;
}

test('the identity endpoint refusing (4xx: no such identity, wrong client id) is permanent and names the identity; a 5xx, 429 or no answer is transient', () => {
  const refused = classifyManagedIdentityError(identityError(400, 'Unable to load the proper Managed Identity.'), userAssigned);
  assert.equal(refused.code, 'AUTH_REJECTED');
  assert.equal(refused.retryable, false);
  assert.equal(refused.message, `the managed identity endpoint refused a token for the user-assigned identity ${userAssigned.managedIdentityClientId} (HTTP 400): Unable to load the proper Managed Identity.`);
  for (const status of [500, 503, 429, undefined]) {
    const e = classifyManagedIdentityError(identityError(status, 'busy'), system);
    assert.equal(e.code, 'AUTH_UNAVAILABLE', String(status));
    assert.equal(e.retryable, true);
    assert.match(e.message, /the Function App's system-assigned identity: busy$/);
  }
});
