import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { clientStateMatches, hashClientState, newClientState } from '../../../shared/notifications/client-state';

describe('clientState: the secret that tells Graph notifications from forged ones', () => {
  it('a new secret is random, URL-safe and short enough for Graph (≤ 128 characters)', () => {
    const a = newClientState();
    const b = newClientState();
    assert.notEqual(a, b);
    assert.match(a, /^[A-Za-z0-9_-]{43}$/);
  });

  it('only the secret itself matches its stored hash', () => {
    const secret = newClientState();
    const stored = hashClientState(secret);
    assert.equal(clientStateMatches(secret, stored), true);
    assert.equal(clientStateMatches(newClientState(), stored), false);
    assert.equal(clientStateMatches(`${secret} `, stored), false);
    assert.equal(clientStateMatches(secret.slice(0, -1), stored), false);
    assert.equal(clientStateMatches('', stored), false);
    assert.equal(clientStateMatches(null, stored), false);
    assert.equal(clientStateMatches(undefined, stored), false);
  });

  it('a record without a stored hash (or a corrupt one) accepts nothing', () => {
    const secret = newClientState();
    assert.equal(clientStateMatches(secret, undefined), false);
    assert.equal(clientStateMatches(secret, 'short'), false);
  });

  it('what is stored does not reveal the secret', () => {
    const secret = newClientState();
    const stored = hashClientState(secret);
    assert.ok(!stored.includes(secret));
    assert.equal(Buffer.from(stored, 'base64url').length, 32);
  });
});
