import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { AccessToken, GetTokenOptions } from '@azure/identity';
import { EARLY_RENEWAL_MS, memoizeTokens } from '../../../shared/auth/token-memo';

const HOUR = 3_600_000;

/** A credential that issues token-1, token-2, … each valid for an hour from `clock.now`, and records what it was asked. */
function issuing(clock: { now: number }, opts: { fail?: () => boolean; refreshAfterMs?: number } = {}) {
  const asked: { scopes: string | string[]; options?: GetTokenOptions }[] = [];
  let issued = 0;
  return {
    asked,
    async getToken(scopes: string | string[], options?: GetTokenOptions): Promise<AccessToken> {
      asked.push({ scopes, ...(options ? { options } : {}) });
      await new Promise((r) => setImmediate(r));
      if (opts.fail?.()) throw new Error('the identity provider is down');
      issued++;
      return { token: `token-${issued}`, expiresOnTimestamp: clock.now + HOUR, ...(opts.refreshAfterMs ? { refreshAfterTimestamp: clock.now + opts.refreshAfterMs } : {}) };
    },
  };
}

describe('memoizeTokens', () => {
  it('answers from its own copy until the token is due for renewal, then asks once more', async () => {
    const clock = { now: 1_000_000 };
    const inner = issuing(clock);
    const memo = memoizeTokens(inner, () => clock.now);
    assert.equal((await memo.getToken('https://graph.microsoft.com/.default'))?.token, 'token-1');
    clock.now += HOUR - EARLY_RENEWAL_MS - 1;
    assert.equal((await memo.getToken('https://graph.microsoft.com/.default'))?.token, 'token-1');
    assert.equal(inner.asked.length, 1);
    clock.now += 1;
    assert.equal((await memo.getToken('https://graph.microsoft.com/.default'))?.token, 'token-2');
    assert.equal(inner.asked.length, 2);
  });

  it('renews at the token’s refresh-after time when it has one', async () => {
    const clock = { now: 0 };
    const inner = issuing(clock, { refreshAfterMs: HOUR / 2 });
    const memo = memoizeTokens(inner, () => clock.now);
    await memo.getToken('s');
    clock.now = HOUR / 2;
    assert.equal((await memo.getToken('s'))?.token, 'token-2');
  });

  it('keeps one token per set of scopes, in any order', async () => {
    const clock = { now: 0 };
    const inner = issuing(clock);
    const memo = memoizeTokens(inner, () => clock.now);
    const a = await memo.getToken(['b', 'a']);
    assert.equal((await memo.getToken(['a', 'b']))?.token, a?.token);
    assert.notEqual((await memo.getToken('c'))?.token, a?.token);
    assert.equal(inner.asked.length, 2);
  });

  it('concurrent askers share one request', async () => {
    const clock = { now: 0 };
    const inner = issuing(clock);
    const memo = memoizeTokens(inner, () => clock.now);
    const tokens = await Promise.all(Array.from({ length: 8 }, () => memo.getToken('s')));
    assert.deepEqual(new Set(tokens.map((t) => t?.token)), new Set(['token-1']));
    assert.equal(inner.asked.length, 1);
  });

  it('a failure is not kept: every sharer of the request gets it, and the next call asks again', async () => {
    const clock = { now: 0 };
    let down = true;
    const inner = issuing(clock, { fail: () => down });
    const memo = memoizeTokens(inner, () => clock.now);
    const results = await Promise.allSettled([memo.getToken('s'), memo.getToken('s')]);
    assert.deepEqual(results.map((r) => r.status), ['rejected', 'rejected']);
    assert.equal(inner.asked.length, 1);
    down = false;
    assert.equal((await memo.getToken('s'))?.token, 'token-1');
    assert.equal(inner.asked.length, 2);
  });

  it('a call with claims (a CAE challenge) or another tenant always goes to the credential, and does not replace the kept token', async () => {
    const clock = { now: 0 };
    const inner = issuing(clock);
    const memo = memoizeTokens(inner, () => clock.now);
    await memo.getToken('s');
    assert.equal((await memo.getToken('s', { claims: '{"access_token":{}}' }))?.token, 'token-2');
    assert.equal((await memo.getToken('s', { tenantId: 'other' }))?.token, 'token-3');
    assert.equal((await memo.getToken('s'))?.token, 'token-1');
    assert.equal(inner.asked.length, 3);
  });
});
