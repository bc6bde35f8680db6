import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHttpServer } from '@vercel/cosmosdb-server';
import { COSMOS_EMULATOR_KEY } from '../../devhost/emulators';
import { startTestStack, type TestStack } from '../support/stack';
import { MAX_SUBSCRIPTIONS_PER_BATCH } from '../../shared/notifications/receive';

/**
 * What an anonymous caller can make `/api/graph/notify` cost, counted as requests on the
 * Cosmos emulator (this test's own instance, so every request it sees is the host's) that
 * touch the `syncState` container, where subscriptions are kept. No channel exists and no
 * PUBLIC_BASE_URL is set, so no timer touches that container meanwhile.
 */
let stack: TestStack;
let cosmos: Server;
let syncStateRequests = 0;

before(async () => {
  cosmos = createHttpServer({ keepAlive: true });
  cosmos.on('request', (req: { url?: string }) => {
    if (/\/colls\/syncState(\/|$)/.test(req.url ?? '')) syncStateRequests++;
  });
  await new Promise<void>((r) => cosmos.listen(0, '127.0.0.1', () => r()));
  const endpoint = `http://127.0.0.1:${(cosmos.address() as AddressInfo).port}/`;
  stack = await startTestStack({ env: { COSMOS_ENDPOINT: endpoint, COSMOS_KEY: COSMOS_EMULATOR_KEY } });
});

after(async () => {
  await stack?.stop();
  await new Promise<void>((r) => { cosmos.closeAllConnections(); cosmos.close(() => r()); });
});

const notification = (subscriptionId: string) => ({
  subscriptionId,
  clientState: 'not-the-secret',
  changeType: 'created',
  resource: `Users/${crypto.randomUUID()}/Messages/AAMk`,
  tenantId: crypto.randomUUID(),
});

/** POSTs a batch as Graph would and returns the status and the syncState requests it cost. */
async function notify(value: unknown[]): Promise<{ status: number; cost: number }> {
  const before = syncStateRequests;
  const res = await fetch(`${stack.baseUrl}/api/graph/notify`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ value }) });
  await res.arrayBuffer();
  return { status: res.status, cost: syncStateRequests - before };
}

test('1,000 notifications for unknown subscriptions cost a bounded number of Cosmos operations, and are answered 202', async () => {
  // the first call pays for creating the database and containers; not counted
  assert.equal((await notify([notification(crypto.randomUUID())])).status, 202);

  const distinct = await notify(Array.from({ length: 1000 }, () => notification(crypto.randomUUID())));
  assert.equal(distinct.status, 202);
  assert.ok(distinct.cost <= MAX_SUBSCRIPTIONS_PER_BATCH, `1,000 distinct unknown ids cost ${distinct.cost} Cosmos requests (bound ${MAX_SUBSCRIPTIONS_PER_BATCH})`);

  const same = await notify(Array.from({ length: 1000 }, () => notification('00000000-0000-0000-0000-00000000dead')));
  assert.equal(same.status, 202);
  assert.ok(same.cost <= 1, `1,000 notifications of one unknown id cost ${same.cost} Cosmos requests (one lookup)`);

  const hostile = await notify(['x', { subscriptionId: 'a/b?c#d' }, notification('a/b\\c?d#e f'), notification('x'.repeat(200))]);
  assert.equal(hostile.status, 202, 'malformed items and odd ids are skipped, not a 500');
});
