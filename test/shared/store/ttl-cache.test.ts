import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ttlCache } from '../../../shared/store/ttl-cache';

function counted<V>(value: () => V | undefined) {
  const loader = { loads: 0, load: async () => { loader.loads++; return value(); } };
  return loader;
}

test('a key is loaded once per TTL, and askers at the same time share the one load', async () => {
  let clock = 0;
  const cache = ttlCache<string>(1_000, { now: () => clock });
  const l = counted(() => 'v1');
  const both = await Promise.all([cache.get('k', l.load), cache.get('k', l.load)]);
  assert.deepEqual(both, ['v1', 'v1']);
  clock = 999;
  await cache.get('k', l.load);
  assert.equal(l.loads, 1);
  clock = 1_000;
  await cache.get('k', l.load);
  assert.equal(l.loads, 2, 'loaded again once the TTL is over');
});

test('what is not found, or fails to load, is asked for again next time', async () => {
  const cache = ttlCache<string>(60_000);
  const missing = counted<string>(() => undefined);
  await cache.get('gone', missing.load);
  await cache.get('gone', missing.load);
  assert.equal(missing.loads, 2);
  let fail = true;
  const flaky = counted(() => {
    if (fail) throw new Error('timeout');
    return 'ok';
  });
  await assert.rejects(cache.get('k', flaky.load));
  fail = false;
  assert.equal(await cache.get('k', flaky.load), 'ok');
});

test('a forgotten key is loaded again at once; a full cache never grows past its bound', async () => {
  const cache = ttlCache<number>(60_000, { maxEntries: 3 });
  const l = counted(() => 1);
  await cache.get('a', l.load);
  cache.forget('a');
  await cache.get('a', l.load);
  assert.equal(l.loads, 2);
  for (const k of ['b', 'c', 'd', 'e']) await cache.get(k, l.load);
  await cache.get('e', l.load);
  assert.equal(l.loads, 6, 'the newest entry is kept after the cache started over');
});
