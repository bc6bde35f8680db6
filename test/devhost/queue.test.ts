import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { QueueClient } from '@azure/storage-queue';
import { startTestStack, type TestStack } from '../support/stack';
import { base64, eventually, fixtureApp, observed } from './helpers';

/**
 * Storage-queue triggers through the real local host on Azurite, against the fixture
 * app: encoding, retry with visibility timeout, poison queue, batches.
 */
describe('devhost storage-queue triggers', () => {
  let stack: TestStack;
  const queue = (name: string): QueueClient => stack.queueService.getQueueClient(name);
  before(async () => {
    stack = await startTestStack({
      appRoot: fixtureApp,
      queues: ['fixture-in', 'fixture-flaky', 'fixture-poison', 'fixture-batch'],
      // Retries 2 s after a failure; batches of 4, refilled when 2 or fewer still run.
      hostJson: { extensions: { queues: { visibilityTimeout: '00:00:02', batchSize: 4, newBatchThreshold: 2 } } },
    });
  });
  after(async () => { await stack?.stop(); });

  test('a base64 JSON message reaches the handler decoded and parsed, with its trigger metadata, and is deleted', async () => {
    const sent = await queue('fixture-in').sendMessage(base64(JSON.stringify({ kind: 'json', n: 1 })));
    const seen = await eventually(async () => (await observed(stack.baseUrl, 'recordMessage')).find((o) => o.id === sent.messageId), 'the JSON message');
    assert.deepEqual(seen.message, { kind: 'json', n: 1 });
    assert.equal(seen.type, 'object');
    assert.deepEqual(seen.queueTrigger, { kind: 'json', n: 1 });
    assert.equal(seen.dequeueCount, 1);
    assert.equal(typeof seen.popReceipt, 'string');
    for (const t of ['insertionTime', 'expirationTime', 'nextVisibleTime']) {
      assert.match(String(seen[t]), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?\+00:00$/, t);
    }
    await eventually(async () => ((await queue('fixture-in').getProperties()).approximateMessagesCount === 0 ? true : undefined), 'the message to be deleted');
  });

  test('a base64 message that is not JSON reaches the handler as a string', async () => {
    const sent = await queue('fixture-in').sendMessage(base64('plain text, ünïcode'));
    const seen = await eventually(async () => (await observed(stack.baseUrl, 'recordMessage')).find((o) => o.id === sent.messageId), 'the text message');
    assert.equal(seen.message, 'plain text, ünïcode');
    assert.equal(seen.type, 'string');
  });

  test('a message that is not base64 never reaches the handler: it goes to the poison queue at once, unchanged', async () => {
    const raw = '{"not":"base64"}';
    const sent = await queue('fixture-in').sendMessage(raw);
    const poisoned = await eventually(async () => {
      const { peekedMessageItems } = await queue('fixture-in-poison').peekMessages({ numberOfMessages: 32 }).catch(() => ({ peekedMessageItems: [] }));
      return peekedMessageItems.find((m) => m.messageText === raw);
    }, 'the message in fixture-in-poison');
    assert.equal(poisoned.messageText, raw);
    assert.ok(!(await observed(stack.baseUrl, 'recordMessage')).some((o) => o.id === sent.messageId), 'the handler never saw it');
    assert.match(stack.logs(), new RegExp(`Message decoding has failed! Check MessageEncoding settings\\. MessageId=${sent.messageId}`));
  });

  test('a failed message is invisible for the visibility timeout, then comes back with its dequeueCount incremented', async () => {
    const sent = await queue('fixture-flaky').sendMessage(base64('flaky'));
    const attempts = () => observed(stack.baseUrl, 'failTwice').then((all) => all.filter((o) => o.id === sent.messageId));
    await eventually(async () => ((await attempts()).length >= 1 ? true : undefined), 'the first attempt');
    // Just after the first failure the message is hidden (visibilityTimeout 2 s), not gone.
    await eventually(async () => ((await stack.invocations('failTwice')).some((r) => r.status === 'failed') ? true : undefined), 'the first failure');
    const { peekedMessageItems } = await queue('fixture-flaky').peekMessages();
    assert.equal(peekedMessageItems.length, 0, 'invisible during the visibility timeout');
    assert.equal((await queue('fixture-flaky').getProperties()).approximateMessagesCount, 1, 'still in the queue');

    const all = await eventually(async () => { const a = await attempts(); return a.length >= 3 ? a : undefined; }, 'three attempts');
    assert.deepEqual(all.map((o) => o.dequeueCount), [1, 2, 3]);
    assert.ok(all.every((o) => o.message === 'flaky'), 'same content on every attempt');
    await eventually(async () => ((await queue('fixture-flaky').getProperties()).approximateMessagesCount === 0 ? true : undefined), 'deletion after success');
  });

  test('after 5 failed dequeues the message moves to <queue>-poison with its original body', async () => {
    const body = base64(JSON.stringify({ poison: true }));
    const sent = await queue('fixture-poison').sendMessage(body);
    const poisoned = await eventually(async () => {
      const exists = await queue('fixture-poison-poison').exists();
      if (!exists) return undefined;
      const { peekedMessageItems } = await queue('fixture-poison-poison').peekMessages();
      return peekedMessageItems[0];
    }, 'the poison message', 45_000);
    assert.equal(poisoned.messageText, body);
    const attempts = (await observed(stack.baseUrl, 'alwaysFails')).filter((o) => o.id === sent.messageId);
    assert.deepEqual(attempts.map((o) => o.dequeueCount), [1, 2, 3, 4, 5]);
    assert.equal((await queue('fixture-poison').getProperties()).approximateMessagesCount, 0);
    assert.match(stack.logs(), /Message has reached MaxDequeueCount of 5\. Moving message to queue 'fixture-poison-poison'\./);
  });

  test('messages are processed in parallel batches: each exactly once, never more at a time than batchSize + newBatchThreshold', async () => {
    const bodies = Array.from({ length: 14 }, (_, i) => `batch-${i}`);
    await Promise.all(bodies.map((b) => queue('fixture-batch').sendMessage(base64(b))));
    const done = await eventually(async () => { const o = await observed(stack.baseUrl, 'batchWorker'); return o.length >= bodies.length ? o : undefined; }, 'all batch messages', 30_000);
    assert.deepEqual(done.map((o) => o.message).sort(), [...bodies].sort());
    const peak = Math.max(...done.map((o) => Number(o.concurrent)));
    assert.ok(peak > 1, `ran in parallel (peak ${peak})`);
    assert.ok(peak <= 4 + 2, `at most batchSize + newBatchThreshold at once (peak ${peak})`);
  });

  test('stack.enqueue and stack.settle: send as the trigger expects, then wait until the app is quiet', async () => {
    await stack.enqueue('fixture-in', { via: 'enqueue' });
    await stack.settle();
    const seen = (await observed(stack.baseUrl, 'recordMessage')).map((o) => o.message);
    assert.ok(seen.some((m) => JSON.stringify(m) === JSON.stringify({ via: 'enqueue' })));
    assert.equal((await stack.queueService.getQueueClient('fixture-in').getProperties()).approximateMessagesCount, 0);
  });
});

describe('devhost storage-queue triggers with messageEncoding "none"', () => {
  let stack: TestStack;
  before(async () => {
    stack = await startTestStack({ appRoot: fixtureApp, queues: ['fixture-in'], hostJson: { extensions: { queues: { messageEncoding: 'none' } } } });
  });
  after(async () => { await stack?.stop(); });

  test('the message text reaches the handler as sent, JSON parsed', async () => {
    const sent = await stack.queueService.getQueueClient('fixture-in').sendMessage('{"raw":true}');
    const seen = await eventually(async () => (await observed(stack.baseUrl, 'recordMessage')).find((o) => o.id === sent.messageId), 'the raw message');
    assert.deepEqual(seen.message, { raw: true });
  });
});
