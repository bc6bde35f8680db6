import { test } from 'node:test';
import assert from 'node:assert/strict';
import { splitEtags, etagMatches } from '../../../shared/http/etag';

test('If-Match lists are split into entity tags, commas inside quotes kept', () => {
  assert.deepEqual(splitEtags('"a", "b,c" ,W/"d"'), ['"a"', '"b,c"', 'W/"d"']);
  assert.deepEqual(splitEtags('*'), ['*']);
});

test('a matching, a star or no If-Match passes; a stale one does not', () => {
  assert.equal(etagMatches('"v2"', undefined), true);
  assert.equal(etagMatches('"v2"', ['*']), true);
  assert.equal(etagMatches('"v2"', ['"v1"', '"v2"']), true);
  assert.equal(etagMatches('"v2"', ['v2']), true, 'a client that dropped the quotes still matches');
  assert.equal(etagMatches('"v2"', ['"v1"']), false);
});

test('If-Match lists split in one pass: unquoted, unclosed and hostile lists still give their tokens', () => {
  assert.deepEqual(splitEtags('"a" "b"'), ['"a"', '"b"']);
  assert.deepEqual(splitEtags(' v1 ,, v2 '), ['v1', 'v2']);
  assert.deepEqual(splitEtags('"open'), ['"open']);
  assert.deepEqual(splitEtags(''), []);
  // a run the old tokenizing regex rescanned from each position (quadratic): one token now
  const hostile = `,${'*'.repeat(200_000)}W\t\u0000`;
  assert.deepEqual(splitEtags(hostile).map((t) => t.length), [200_001, 1]);
});
