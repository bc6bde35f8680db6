import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { checkCallback, locateState, startAuthorization, STATE_TTL_MS } from '../../../shared/auth/authorization-state';

const now = new Date('2026-12-06T12:00:00Z');
const verifier = 'v'.repeat(43);
const start = (channelId = 'ch-1') => startAuthorization({ channelId, startedBy: 'admin-api-key', codeVerifier: verifier, redirectUrl: 'https://app.example/api/oauth/callback', now });

describe('authorization state', () => {
  it('a started sign-in is found again from its state, for its channel, and the store never holds the state itself', () => {
    const s = start('channel/with.odd chars');
    assert.deepEqual(locateState(s.state), { channelId: 'channel/with.odd chars', id: s.record.id });
    assert.ok(!JSON.stringify(s.record).includes(s.state.split('.')[1]!));
    assert.ok(!JSON.stringify(s.record).includes(s.binding));
  });

  it('each sign-in gets its own state and browser binding', () => {
    const a = start();
    const b = start();
    assert.notEqual(a.state, b.state);
    assert.notEqual(a.binding, b.binding);
  });

  it('a callback from the browser that started it, within the lifetime, may redeem its code', () => {
    const s = start();
    assert.deepEqual(checkCallback(s.record, s.binding, new Date(now.getTime() + STATE_TTL_MS - 1)), { ok: true, record: s.record });
  });

  it('a replayed state (its record already consumed) is refused', () => {
    assert.deepEqual(checkCallback(undefined, start().binding, now), { ok: false, reason: 'unknownState' });
  });

  it('a state carried to another browser (no cookie, or another sign-in\'s cookie) is refused', () => {
    const s = start();
    assert.deepEqual(checkCallback(s.record, undefined, now), { ok: false, reason: 'otherBrowser' });
    assert.deepEqual(checkCallback(s.record, start().binding, now), { ok: false, reason: 'otherBrowser' });
  });

  it('a state past its lifetime is refused', () => {
    const s = start();
    assert.deepEqual(checkCallback(s.record, s.binding, new Date(now.getTime() + STATE_TTL_MS)), { ok: false, reason: 'expired' });
  });

  it('anything not shaped like our state is not looked up', () => {
    const s = start();
    const [channel, nonce] = s.state.split('.') as [string, string];
    for (const bad of ['', '.', 'abc', `${channel}.`, `.${nonce}`, `${channel}.${nonce}.x`, `${channel}.${nonce.slice(1)}`, `${channel}.${nonce.slice(1)}+`, `${'a'.repeat(2000)}.${nonce}`]) {
      assert.equal(locateState(bad), undefined, bad.slice(0, 60));
    }
  });

  it('a 1 MB state of dots is refused by its length before it is scanned', () => {
    assert.equal(locateState('.'.repeat(1 << 20)), undefined);
  });
});
