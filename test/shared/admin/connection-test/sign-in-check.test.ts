import { test } from 'node:test';
import assert from 'node:assert/strict';
import { delegatedToken, signInReadiness, SIGN_IN_MISSING, SIGN_IN_REVOKED, type DelegatedAccess } from '../../../../shared/admin/connection-test/sign-in-check';
import type { OAuthAuth } from '../../../../shared/auth/credential';
import { REAUTHORIZATION_REQUIRED } from '../../../../shared/auth/delegated-client';
import { PermanentError, TransientError } from '../../../../shared/errors';
import type { SignInRecord } from '../../../../shared/store/channel-sign-in';

const signedIn: SignInRecord = { id: 'signIn', channelId: 'desk', kind: 'signIn', secretName: 'channel-x-oauth-refresh-1', generation: 3, account: 'desk@contoso.example', signedInAt: '2026-12-06T10:00:00.000Z' };
const auth = { type: 'oauth', flow: 'authorizationCode', tenantId: 't', clientId: 'c', scopes: [] } as unknown as OAuthAuth;

test('a channel never signed in fails the authentication stage with "sign in" and the route that starts it', () => {
  for (const record of [undefined, { id: 'signIn', channelId: 'desk', kind: 'signIn', generation: 0 } as SignInRecord]) {
    const r = signInReadiness('desk', record);
    assert.ok(!r.ready);
    assert.equal(r.failure.code, SIGN_IN_MISSING);
    assert.match(r.failure.message, /not signed in yet/);
    assert.match(r.failure.whatToDo, /^sign in: .*GET \/api\/oauth\/desk\/start/);
  }
  // A sync that found no sign-in records a refusal before any token exists: still "sign in", not "sign in again".
  const refusedBeforeAnyToken = signInReadiness('desk', { id: 'signIn', channelId: 'desk', kind: 'signIn', generation: 0, needsReauthorization: { code: REAUTHORIZATION_REQUIRED, message: 'the channel has not been signed in', at: '2026-12-06T10:00:00.000Z' } });
  assert.ok(!refusedBeforeAnyToken.ready);
  assert.equal(refusedBeforeAnyToken.failure.code, SIGN_IN_MISSING);
});

test('a sign-in the provider refused since fails with "sign in again" and the provider\'s words', () => {
  const r = signInReadiness('desk', { ...signedIn, needsReauthorization: { code: REAUTHORIZATION_REQUIRED, message: 'invalid_grant AADSTS50173: the grant was revoked', at: '2026-12-06T11:00:00.000Z' } });
  assert.ok(!r.ready);
  assert.equal(r.failure.code, SIGN_IN_REVOKED);
  assert.match(r.failure.message, /AADSTS50173: the grant was revoked/);
  assert.match(r.failure.whatToDo, /^sign in again: /);
});

test('an unsaved configuration has no sign-in: save the channel first', () => {
  const r = signInReadiness(undefined, undefined);
  assert.ok(!r.ready);
  assert.equal(r.failure.code, SIGN_IN_MISSING);
  assert.match(r.failure.whatToDo, /^save the channel, then sign in/);
});

/** The seam as the stored test builds it, over given records and token answers; counts the provider calls. */
function access(record: SignInRecord | undefined, answer: () => Promise<string>): DelegatedAccess & { calls: number } {
  const a = { channelId: 'desk', calls: 0, readSignIn: async () => record, accessToken: async () => { a.calls++; return answer(); } };
  return a;
}

test('the token comes from the stored sign-in; a stage that cannot succeed asks the provider nothing', async () => {
  const ok = access(signedIn, async () => 'delegated-access-token');
  assert.deepEqual(await delegatedToken(ok, auth, 'scope'), { token: 'delegated-access-token', account: 'desk@contoso.example' });
  assert.equal(ok.calls, 1);
  const never = access(undefined, async () => 'unused');
  assert.equal((await delegatedToken(never, auth, 'scope') as { failure: { code: string } }).failure.code, SIGN_IN_MISSING);
  const known = access({ ...signedIn, needsReauthorization: { code: REAUTHORIZATION_REQUIRED, message: 'revoked', at: '2026-12-06T11:00:00.000Z' } }, async () => 'unused');
  assert.equal((await delegatedToken(known, auth, 'scope') as { failure: { code: string } }).failure.code, SIGN_IN_REVOKED);
  assert.equal(never.calls + known.calls, 0);
  assert.equal((await delegatedToken(undefined, auth, 'scope') as { failure: { code: string } }).failure.code, SIGN_IN_MISSING);
});

test('a refusal the refresh meets now is "sign in again"; an unreachable provider is a token failure to retry', async () => {
  const revokedNow = access(signedIn, async () => { throw new PermanentError(REAUTHORIZATION_REQUIRED, 'invalid_grant AADSTS50173: revoked'); });
  const r = await delegatedToken(revokedNow, auth, 'scope');
  assert.ok('failure' in r);
  assert.equal(r.failure.code, SIGN_IN_REVOKED);
  assert.match(r.failure.message, /AADSTS50173/);
  const down = await delegatedToken(access(signedIn, async () => { throw new TransientError('AUTH_UNAVAILABLE', 'connect ECONNREFUSED'); }), auth, 'scope');
  assert.ok('failure' in down);
  assert.equal(down.failure.code, 'TOKEN_UNAVAILABLE');
});
