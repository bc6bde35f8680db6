import assert from 'node:assert/strict';
import { test } from 'node:test';
import { classifyQueueRequest } from '../../bench/idle-polling';

test('queue requests are counted by queue and operation: a receive, a peek, a send, a delete, a metadata read', () => {
  const c = (method: string, url: string) => classifyQueueRequest({ method, url });
  assert.equal(c('GET', '/devstoreaccount1/mail-inbound/messages?numofmessages=16&visibilitytimeout=600'), 'mail-inbound receive');
  assert.equal(c('GET', '/devstoreaccount1/mail-inbound/messages?peekonly=true'), 'mail-inbound peek');
  assert.equal(c('POST', '/devstoreaccount1/mailbox-sync/messages'), 'mailbox-sync send');
  assert.equal(c('DELETE', '/devstoreaccount1/mailbox-sync/messages/abc?popreceipt=x'), 'mailbox-sync delete');
  assert.equal(c('GET', '/devstoreaccount1/mail-outbound?comp=metadata'), 'mail-outbound GET metadata');
  assert.equal(c('GET', '/devstoreaccount1?comp=list'), '(account) GET list');
});
