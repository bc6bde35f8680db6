import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { Container } from '@azure/cosmos';
import { subscriptionRecordId } from '../../../shared/notifications/subscription-record';
import { cosmosSubscriptionStore } from '../../../shared/notifications/subscription-store';
import { container } from '../../../shared/store/cosmos';
import { useEmulatorEnv, type EmulatorEnv } from '../store/emulator-env';

/** The syncState container with every point read counted (the real SDK against the emulator). */
function countingReads(c: Container): { container: Container; reads: () => number } {
  let reads = 0;
  const proxy = new Proxy(c, {
    get(target, prop, receiver) {
      if (prop !== 'item') return Reflect.get(target, prop, receiver) as unknown;
      return (id: string, pk: string) => {
        const item = target.item(id, pk);
        return new Proxy(item, {
          get(t, p, r) {
            if (p !== 'read') return Reflect.get(t, p, r) as unknown;
            return (...args: Parameters<typeof t.read>) => {
              reads++;
              return t.read(...args);
            };
          },
        });
      };
    },
  });
  return { container: proxy, reads: () => reads };
}

describe('finding a subscription record by Graph subscription id (Cosmos emulator)', () => {
  let env: EmulatorEnv;
  before(async () => {
    env = await useEmulatorEnv();
  });
  after(async () => {
    await env.stop();
  });

  it('an unknown (made-up) id costs one point read and finds nothing; a known one two point reads, no query', async () => {
    const counted = countingReads(await container('syncState'));
    const store = cosmosSubscriptionStore(async () => counted.container);
    const subscriptionId = randomUUID();
    const channelId = randomUUID();
    const created = await store.create({
      id: subscriptionRecordId('Inbox'),
      channelId,
      kind: 'subscription',
      folder: 'Inbox',
      state: 'active',
      subscriptionId,
      target: 'graph.example:443/desk@contoso.example',
      failures: 0,
      updatedAt: new Date().toISOString(),
    });
    assert.ok(created);
    await store.index({ ...created.record, subscriptionId });

    const before = counted.reads();
    assert.equal(await store.findBySubscriptionId(randomUUID()), undefined);
    assert.equal(counted.reads() - before, 1, 'one read for an unknown id');
    const found = await store.findBySubscriptionId(subscriptionId);
    assert.equal(found?.record.channelId, channelId);
    assert.equal(counted.reads() - before, 3, 'two more for a known one');
  });
});
