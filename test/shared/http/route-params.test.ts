import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertRouteParams } from '../../../shared/http/route-params';
import { ValidationError } from '../../../shared/http/api-error';

function issues(params: Record<string, string>): string[] {
  try {
    assertRouteParams(params);
    return [];
  } catch (err) {
    assert.ok(err instanceof ValidationError);
    assert.equal(err.status, 400);
    return (err.issues ?? []).map((i) => i.path);
  }
}

test('the ids this app makes pass: UUIDs, template slugs, ledger keys, ticket and note ids', () => {
  assert.deepEqual(issues({ id: '3f1e2a4b-5c6d-4e7f-8a9b-0c1d2e3f4a5b', key: 'a'.repeat(40), noteId: 'it-ticket-1-n1', index: '0' }), []);
  assert.deepEqual(issues({ id: 'T-0123456789abcdef0123' }), []);
});

test('ids with / \\ ? # % spaces, control or non-ASCII characters, empty or over 255 characters get 400 naming the parameter', () => {
  for (const bad of ['a/b', 'a\\b', 'a?b', 'a#b', 'a%2Fb', 'a b', ' ', 'tab\there', 'nul\u0000', 'é', '', 'x'.repeat(256)]) {
    assert.deepEqual(issues({ id: bad }), ['params.id'], JSON.stringify(bad));
  }
  assert.deepEqual(issues({ id: 'ok', key: 'a/b' }), ['params.key']);
});

test('an attachment index is a whole number', () => {
  assert.deepEqual(issues({ index: '12' }), []);
  for (const bad of ['-1', '1.5', 'abc', '1e3', '9999999']) assert.deepEqual(issues({ index: bad }), ['params.index'], bad);
});
