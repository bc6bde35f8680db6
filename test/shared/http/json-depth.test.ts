import { test } from 'node:test';
import assert from 'node:assert/strict';
import { jsonDeeperThan, MAX_JSON_DEPTH } from '../../../shared/http/json-depth';

const nested = (n: number) => `${'{"a":'.repeat(n)}1${'}'.repeat(n)}`;

test('nesting up to the limit passes, one level more does not', () => {
  assert.equal(jsonDeeperThan(nested(MAX_JSON_DEPTH)), false);
  assert.equal(jsonDeeperThan(nested(MAX_JSON_DEPTH + 1)), true);
  assert.equal(jsonDeeperThan(`${'['.repeat(65)}${']'.repeat(65)}`), true);
  assert.equal(jsonDeeperThan('[[],[],[],{"a":[{}]}]', 4), false, 'siblings do not add up');
  assert.equal(jsonDeeperThan('[[],[],[],{"a":[{}]}]', 3), true);
});

test('brackets inside strings (also after escaped quotes) do not count', () => {
  assert.equal(jsonDeeperThan(JSON.stringify({ a: '['.repeat(1000), b: '\\"{{{{{{' })), false);
});

test('ten million brackets are judged without recursion (no stack overflow), stopping at the limit', () => {
  assert.equal(jsonDeeperThan('['.repeat(10_000_000)), true);
  assert.equal(jsonDeeperThan('[]'.repeat(5_000_000)), false);
});
