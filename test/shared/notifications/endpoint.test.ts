import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { HttpRequest, InvocationContext, type HttpResponseInit } from '@azure/functions';
import { notificationEndpoint, validationResponse } from '../../../shared/notifications/endpoint';
import type { ReceiveDeps } from '../../../shared/notifications/receive';
import type { MailboxSyncMessage } from '../../../shared/queue/contracts';

const TOKEN = 'Validation: Testing client application reachability for subscription Request-Id: 9c1e6f1a-0b7a-4f55-8e3b-2c1d0e9f8a7b';

function request(query: string, body?: string, contentType = 'application/json; charset=utf-8'): HttpRequest {
  return new HttpRequest({
    method: 'POST',
    url: `http://127.0.0.1/api/graph/notify${query}`,
    headers: body === undefined ? {} : { 'content-type': contentType },
    ...(body === undefined ? {} : { body: { string: body } }),
  });
}

function deps(enqueued: MailboxSyncMessage[]): () => ReceiveDeps {
  return () => ({
    findSubscription: async () => undefined,
    enqueueSync: async (m) => void enqueued.push(m),
    requestAction: async () => undefined,
    now: () => new Date(),
    log: () => undefined,
  });
}

describe('the notification URL over HTTP', () => {
  it('the validation handshake gets 200 text/plain with the URL-decoded token', async () => {
    const res = validationResponse(request(`?validationToken=${encodeURIComponent(TOKEN)}`));
    assert.equal(res?.status, 200);
    assert.match(String((res?.headers as Record<string, string>)['content-type']), /^text\/plain/);
    assert.equal(res?.body, TOKEN);
  });

  it('the handshake is answered before the body is looked at (Graph sends an empty one)', async () => {
    const handler = notificationEndpoint('change', deps([]));
    const res = await handler(request(`?validationToken=${encodeURIComponent(TOKEN)}`, ''), new InvocationContext());
    assert.equal(res.status, 200);
    assert.equal(res.body, TOKEN);
  });

  it('a request without a token is not a handshake', () => {
    assert.equal(validationResponse(request('')), undefined);
    assert.equal(validationResponse(request('?validationToken='))?.status, 400);
  });

  it('a notification batch is answered 202; unknown subscriptions queue nothing', async () => {
    const enqueued: MailboxSyncMessage[] = [];
    const handler = notificationEndpoint('change', deps(enqueued));
    const body = JSON.stringify({ value: [{ subscriptionId: 's', clientState: 'x', changeType: 'created' }] });
    const res = await handler(request('', body), new InvocationContext());
    assert.equal(res.status, 202);
    assert.deepEqual(enqueued, []);
  });

  it('a body that is not a notification batch is refused with 400 naming the field', async () => {
    const handler = notificationEndpoint('change', deps([]));
    const res = await handler(request('', JSON.stringify({ notifications: [] })), new InvocationContext());
    assert.equal(res.status, 400);
    const body = (res as HttpResponseInit).jsonBody as { issues?: { path: string }[] };
    assert.deepEqual(body.issues?.map((i) => i.path), ['value']);
  });
});
