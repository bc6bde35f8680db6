import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InjectedSendFault, sendFaultHookFromEnv } from '../../../shared/outbound/send-faults';

test('no setting, no faults: the send job runs as in production', () => {
  assert.equal(sendFaultHookFromEnv({}), undefined);
});

test('a fault fires at its point, for matching outbox ids, as many times as asked', async () => {
  const hook = sendFaultHookFromEnv({ MAILCHANNEL_TEST_SEND_FAULTS: JSON.stringify([{ point: 'after-accept', match: 'crash', times: 1 }]) })!;
  await hook('after-claim', 'x-crash-1');
  await hook('after-accept', 'other');
  await assert.rejects(hook('after-accept', 'x-crash-1'), InjectedSendFault);
  await hook('after-accept', 'x-crash-1');
});

test('the setting is refused in Azure', () => {
  assert.throws(() => sendFaultHookFromEnv({ MAILCHANNEL_TEST_SEND_FAULTS: '[]', WEBSITE_SITE_NAME: 'app' }), /must not be set in Azure/);
});
