import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyMergePatch } from '../../../shared/admin/merge-patch';

test('every example of RFC 7396 appendix A gives the RFC result', () => {
  const cases: [unknown, unknown, unknown][] = [
    [{ a: 'b' }, { a: 'c' }, { a: 'c' }],
    [{ a: 'b' }, { b: 'c' }, { a: 'b', b: 'c' }],
    [{ a: 'b' }, { a: null }, {}],
    [{ a: 'b', b: 'c' }, { a: null }, { b: 'c' }],
    [{ a: ['b'] }, { a: 'c' }, { a: 'c' }],
    [{ a: 'c' }, { a: ['b'] }, { a: ['b'] }],
    [{ a: { b: 'c' } }, { a: { b: 'd', c: null } }, { a: { b: 'd' } }],
    [{ a: [{ b: 'c' }] }, { a: [1] }, { a: [1] }],
    [['a', 'b'], ['c', 'd'], ['c', 'd']],
    [{ a: 'b' }, ['c'], ['c']],
    [{ a: 'foo' }, null, null],
    [{ a: 'foo' }, 'bar', 'bar'],
    [{ e: null }, { a: 1 }, { e: null, a: 1 }],
    [[1, 2], { a: 'b', c: null }, { a: 'b' }],
    [{}, { a: { bb: { ccc: null } } }, { a: { bb: {} } }],
  ];
  for (const [target, patch, expected] of cases) {
    assert.deepEqual(applyMergePatch(target, patch), expected, JSON.stringify({ target, patch }));
  }
});

test('the target is not modified', () => {
  const target = { a: { b: 1 } };
  applyMergePatch(target, { a: { b: 2 } });
  assert.deepEqual(target, { a: { b: 1 } });
});

test('a __proto__ key in a patch cannot change the prototype of the result', () => {
  const patch = JSON.parse('{"__proto__": {"polluted": true}, "a": 1}') as unknown;
  const out = applyMergePatch({}, patch) as Record<string, unknown>;
  assert.equal(out.a, 1);
  assert.equal((out as { polluted?: unknown }).polluted, undefined);
  assert.equal(({} as { polluted?: unknown }).polluted, undefined);
});
