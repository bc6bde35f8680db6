import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { hostConfig } from '../../devhost/host-json';
import { RandomizedExponentialBackoff } from '../../devhost/queue/backoff';
import { decodeMessageText, encodeMessageText } from '../../devhost/queue/message-encoding';
import { parseTimeSpan } from '../../devhost/timespan';

describe('queue trigger rules', () => {
  test('base64 is read as .NET reads it: whitespace ignored, padding only at the end, length a multiple of 4', () => {
    assert.equal(decodeMessageText(encodeMessageText('{"a":1}', 'base64'), 'base64'), '{"a":1}');
    assert.equal(decodeMessageText('aGVs\nbG8=', 'base64'), 'hello');
    assert.equal(decodeMessageText('hello', 'base64'), undefined, 'not a multiple of 4');
    assert.equal(decodeMessageText('{"a":1}x', 'base64'), undefined, 'not base64 characters');
    assert.equal(decodeMessageText('aG=VsbG8', 'base64'), undefined, 'padding inside');
    assert.equal(decodeMessageText('{"a":1}', 'none'), '{"a":1}', 'encoding "none" takes the text as is');
  });

  test('host.json defaults: batch 16, new batch at 8, 5 dequeues, visible again at once, poll up to a minute, base64', () => {
    assert.deepEqual(hostConfig({}).queues, {
      batchSize: 16, newBatchThreshold: 8, maxDequeueCount: 5, visibilityTimeoutMs: 0, maxPollingIntervalMs: 60_000, messageEncoding: 'base64',
    });
    const custom = hostConfig({ extensions: { queues: { maxPollingInterval: '00:00:02', visibilityTimeout: '00:00:30', batchSize: 4, messageEncoding: 'None' } } }).queues;
    assert.equal(custom.maxPollingIntervalMs, 2000);
    assert.equal(custom.visibilityTimeoutMs, 30_000);
    assert.equal(custom.newBatchThreshold, 2);
    assert.equal(custom.messageEncoding, 'none');
    assert.throws(() => hostConfig({ extensions: { queues: { maxPollingInterval: '00:00:00.050' } } }), /at least 00:00:00\.100/);
    assert.equal(hostConfig({}).routePrefix, 'api');
    assert.equal(hostConfig({ extensions: { http: { routePrefix: '' } } }).routePrefix, '');
  });

  test('TimeSpan texts: hh:mm:ss, fractions and days', () => {
    assert.equal(parseTimeSpan('00:00:00.100'), 100);
    assert.equal(parseTimeSpan('1.02:00:00'), 26 * 3600_000);
    assert.equal(parseTimeSpan('2000'), undefined);
  });

  test('polling backs off from 100 ms, roughly doubling up to the maximum, and resets when messages come', () => {
    const b = new RandomizedExponentialBackoff(100, 1000, () => 0.5);
    const empty = Array.from({ length: 6 }, () => b.next(false));
    assert.deepEqual(empty, [100, 200, 300, 500, 900, 1000]);
    assert.equal(b.next(false), 1000);
    assert.equal(b.next(true), 100);
    assert.equal(b.next(false), 200);
  });
});
