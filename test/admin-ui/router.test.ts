import { test } from 'node:test';
import assert from 'node:assert/strict';
import { href, parseRoute } from '../../admin-ui/src/router';
import { signInViewPath } from '../../shared/admin/sign-in-view';

test('hash routes name each view; ids are decoded, and anything else is "not found"', () => {
  assert.deepEqual(parseRoute(''), { view: 'channels' });
  assert.deepEqual(parseRoute('#/channels'), { view: 'channels' });
  assert.deepEqual(parseRoute('#/channels/new'), { view: 'newChannel' });
  assert.deepEqual(parseRoute('#/channels/c1'), { view: 'channel', id: 'c1' });
  assert.deepEqual(parseRoute('#/channels/c1/tab/domains'), { view: 'channel', id: 'c1', tab: 'domains' });
  assert.deepEqual(parseRoute('#/channels/c1/test'), { view: 'dryRun', id: 'c1' });
  assert.deepEqual(parseRoute('#/channels/c1/messages'), { view: 'messages', id: 'c1' });
  assert.deepEqual(parseRoute(href('channels', 'c1', 'messages', 'c1:<a/b>@x')), { view: 'message', id: 'c1', key: 'c1:<a/b>@x' });
  assert.deepEqual(parseRoute(href('tickets', 'it#1')), { view: 'ticket', id: 'it#1' });
  assert.deepEqual(parseRoute('#/tickets'), { view: 'tickets' });
  assert.equal(parseRoute('#/channels/c1/unknown').view, 'notFound');
});

test("the sign-in callback's redirect lands on the channel's sign-in view", () => {
  assert.deepEqual(parseRoute('#/channels/c1/sign-in'), { view: 'signIn', id: 'c1' });
  assert.deepEqual(parseRoute(new URL(signInViewPath('desk #1'), 'http://127.0.0.1').hash), { view: 'signIn', id: 'desk #1' });
});

test('the demo inbox routes name a recipient and one of its mails (ids decoded)', () => {
  assert.deepEqual(parseRoute('#/demo'), { view: 'demo', address: undefined });
  assert.deepEqual(parseRoute(href('demo', 'erin@example.org')), { view: 'demo', address: 'erin@example.org' });
  assert.deepEqual(parseRoute(href('demo', 'erin@example.org', 'AAMk/id=')), { view: 'demoMessage', address: 'erin@example.org', id: 'AAMk/id=' });
  assert.equal(parseRoute('#/demo/a/b/c').view, 'notFound');
});
