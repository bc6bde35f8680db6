import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createGraphMailSource } from '../../../shared/sources/graph';
import { createGraphSubscriptions, subscriptionExpiry, MAX_MESSAGE_SUBSCRIPTION_MINUTES } from '../../../shared/sources/graph-subscriptions';
import { PermanentError, TransientError } from '../../../shared/errors';
import { startGraphSimulator, type GraphSimulator } from '../../../devhost/graph-simulator';
import { simulatorChannel, testMail } from '../../../devhost/graph-simulator/channel';

/**
 * The client side of change notifications: subscribe (Graph validates the URL with its
 * handshake first), renew, delete — and what Graph then POSTs to the receiver.
 */
const MB = 'notify@contoso.example';

interface Received {
  path: string;
  body: unknown;
}

/** A stand-in for the notification function: echoes validation tokens, records notifications. */
async function startReceiver(opts: { echoValidation?: boolean } = {}) {
  const received: Received[] = [];
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const token = url.searchParams.get('validationToken');
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (token !== null) {
        res.writeHead(200, { 'Content-Type': 'text/plain' });
        res.end(opts.echoValidation === false ? 'not the token' : token);
        return;
      }
      received.push({ path: url.pathname, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) });
      res.writeHead(202);
      res.end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { base, received, stop: () => new Promise<void>((r) => server.close(() => r())) };
}

describe('Graph change-notification subscriptions', () => {
  let sim: GraphSimulator;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;

  before(async () => {
    sim = await startGraphSimulator({ mailboxes: [MB] });
    receiver = await startReceiver();
  });
  after(async () => {
    await receiver.stop();
    await sim.stop();
  });

  it('subscribing passes the validation handshake, and new mail is then notified with the id the source lists', async () => {
    const { channel, deps } = simulatorChannel(sim, { mailbox: MB });
    const subs = createGraphSubscriptions(channel, deps);
    const sub = await subs.create({
      folder: 'Inbox',
      notificationUrl: `${receiver.base}/api/graph/notify`,
      lifecycleNotificationUrl: `${receiver.base}/api/graph/lifecycle`,
      clientState: 'client-state-secret-1',
      expiresAt: new Date(Date.now() + 2 * 86_400_000),
    });
    assert.equal(sub.clientState, 'client-state-secret-1');
    assert.equal(sub.changeType, 'created');
    assert.match(sub.resource, /mailFolders\('.+'\)\/messages$/);
    const validations = sim.notifications.filter((r) => r.subscriptionId === sub.id && r.kind === 'validation');
    assert.deepEqual(validations.map((v) => v.status), [200, 200], 'notification and lifecycle URLs both validated');

    const source = createGraphMailSource(channel, deps);
    const start = await source.listNew('Inbox', undefined);
    const id = await sim.deliver(MB, 'inbox', testMail());
    await sim.settleNotifications();
    const listed = await source.listNew('Inbox', start.cursor);
    const note = receiver.received.find((r) => r.path === '/api/graph/notify')?.body as { value: { subscriptionId: string; clientState: string; changeType: string; resourceData: { id: string } }[] };
    assert.equal(note.value[0]?.subscriptionId, sub.id);
    assert.equal(note.value[0]?.clientState, 'client-state-secret-1');
    assert.equal(note.value[0]?.changeType, 'created');
    assert.equal(note.value[0]?.resourceData.id, id);
    assert.equal(listed.mails[0]?.ref.protocol === 'graph' && listed.mails[0].ref.messageId, id, 'notification and listing agree on the (immutable) id');

    const status = await sim.pushLifecycleNotification(sub.id, 'missed');
    assert.equal(status, 202);
    const life = receiver.received.find((r) => r.path === '/api/graph/lifecycle')?.body as { value: { lifecycleEvent: string; clientState: string }[] };
    assert.equal(life.value[0]?.lifecycleEvent, 'missed');
    assert.equal(life.value[0]?.clientState, 'client-state-secret-1');
  });

  it('renewing extends the expiry; deleting removes it, and deleting again is no error', async () => {
    const { channel, deps } = simulatorChannel(sim, { mailbox: MB });
    const subs = createGraphSubscriptions(channel, deps);
    const sub = await subs.create({ folder: 'inbox', notificationUrl: `${receiver.base}/n`, clientState: 'cs', expiresAt: new Date(Date.now() + 3_600_000) });
    const later = new Date(Date.now() + 3 * 86_400_000);
    const renewed = await subs.renew(sub.id, later);
    assert.ok(Date.parse(renewed.expirationDateTime) > Date.parse(sub.expirationDateTime));
    assert.ok(Math.abs(Date.parse(renewed.expirationDateTime) - later.getTime()) < 1000);
    await subs.delete(sub.id);
    assert.ok(!sim.subscriptions().some((s) => s.id === sub.id));
    await subs.delete(sub.id);
    await assert.rejects(subs.renew(sub.id, later), (err: unknown) => err instanceof PermanentError && err.code === 'GRAPH_NOT_FOUND');
  });

  it('an expiry beyond what Graph allows is capped instead of refused', async () => {
    const now = new Date();
    const capped = subscriptionExpiry(new Date(now.getTime() + 30 * 86_400_000), now);
    assert.ok(capped.getTime() - now.getTime() < MAX_MESSAGE_SUBSCRIPTION_MINUTES * 60_000);
    const { channel, deps } = simulatorChannel(sim, { mailbox: MB });
    const sub = await createGraphSubscriptions(channel, deps).create({ folder: 'inbox', notificationUrl: `${receiver.base}/n`, clientState: 'cs', expiresAt: new Date(Date.now() + 30 * 86_400_000) });
    assert.ok(sub.id);
  });

  it('a notification URL that fails the handshake is a transient error (the receiver may be cold)', async () => {
    const wrong = await startReceiver({ echoValidation: false });
    try {
      const { channel, deps } = simulatorChannel(sim, { mailbox: MB });
      await assert.rejects(
        createGraphSubscriptions(channel, deps).create({ folder: 'inbox', notificationUrl: `${wrong.base}/n`, clientState: 'cs', expiresAt: new Date(Date.now() + 3_600_000) }),
        (err: unknown) => err instanceof TransientError && err.code === 'GRAPH_SUBSCRIPTION_VALIDATION',
      );
    } finally {
      await wrong.stop();
    }
  });
});
