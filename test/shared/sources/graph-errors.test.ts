import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GraphError } from '@microsoft/microsoft-graph-client';
import { isMailboxOutOfScope, toChannelError } from '../../../shared/sources/graph-errors';

function graphError(status: number, code: string, message: string): GraphError {
  const err = new GraphError(status, message);
  err.code = code;
  return err;
}

const DOCUMENTED = graphError(403, 'ErrorAccessDenied', 'Access to OData is disabled.');
const WITH_SUFFIX = graphError(403, 'ErrorAccessDenied', 'Access to OData is disabled: [RAOP] : Blocked by tenant configured AppOnly AccessPolicy settings.');

test('Exchange Online refusing a mailbox outside the app\'s scope is told apart from a missing permission', () => {
  assert.ok(isMailboxOutOfScope(DOCUMENTED));
  assert.ok(isMailboxOutOfScope(WITH_SUFFIX));
  assert.ok(!isMailboxOutOfScope(graphError(403, 'ErrorAccessDenied', 'Access is denied. Check credentials and try again.')));
  assert.ok(!isMailboxOutOfScope(graphError(401, 'ErrorAccessDenied', 'Access to OData is disabled.')));
  assert.ok(!isMailboxOutOfScope(graphError(403, 'Authorization_RequestDenied', 'Access to OData is disabled.')));
  assert.ok(!isMailboxOutOfScope(new Error('Access to OData is disabled.')));
});

test('a mailbox outside the scope is GRAPH_MAILBOX_OUT_OF_SCOPE, permanent, naming the mailbox and what to do', () => {
  for (const err of [DOCUMENTED, WITH_SUFFIX]) {
    const e = toChannelError(err, 'listing new mail in "Inbox"', { mailbox: 'ceo@contoso.example' });
    assert.equal(e.code, 'GRAPH_MAILBOX_OUT_OF_SCOPE');
    assert.equal(e.retryable, false);
    assert.match(e.message, /^listing new mail in "Inbox": the app's Exchange Online management scope does not include ceo@contoso\.example: add the mailbox to the scoped group/);
    assert.match(e.message, /Graph 403 ErrorAccessDenied — Access to OData is disabled/);
  }
  // a missing permission or revoked consent stays the generic auth error
  assert.equal(toChannelError(graphError(403, 'ErrorAccessDenied', 'Access is denied. Check credentials and try again.'), 'x', { mailbox: 'm' }).code, 'GRAPH_AUTH');
});
