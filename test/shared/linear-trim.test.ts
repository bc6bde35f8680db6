import { test } from 'node:test';
import assert from 'node:assert/strict';
import { trimEndOf, trimOf } from '../../shared/linear-trim';

test('runs of one character are trimmed from the ends only, in one pass', () => {
  assert.equal(trimEndOf('https://app.example///', '/'), 'https://app.example');
  assert.equal(trimEndOf('---', '-'), '');
  assert.equal(trimOf('--a-b--', '-'), 'a-b');
  assert.equal(trimOf('ab', '-'), 'ab');
  // the input recheck gave for /\/+$/: a long run not at the end
  const hostile = `${'/'.repeat(500_000)}\u0000/`;
  assert.equal(trimEndOf(hostile, '/').length, 500_001);
});
