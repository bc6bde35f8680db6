import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { startTestStack, type TestStack } from '../support/stack';
import { startGraphSimulator, type GraphSimulator, type Subscription } from '../../devhost/graph-simulator';
import { simulatorChannelInput } from '../../devhost/graph-simulator/channel';
import { api, publishChannel, rfc822, tickets } from '../support/mail-e2e';
import { startForwarder } from '../support/forwarder';
import type { ChannelNotifications } from '../../shared/notifications/status';

/**
 * Graph change notifications end to end: the local Functions host (child process) with
 * Azurite and the Cosmos emulator, the Graph + Entra ID simulator on loopback (its CA
 * trusted via NODE_EXTRA_CA_CERTS). The simulator subscribes with the real validation
 * handshake and POSTs notifications to PUBLIC_BASE_URL, which is a small forwarder to the
 * host (the host's port is only known once it runs — as in Azure, where the public URL is
 * the front end's, not the worker's).
 *
 * Channels poll once a day here, and each test runs that one poll before it starts, so a
 * ticket that appears afterwards was brought by a notification, not by polling. The
 * simulator does not notify by itself (autoNotify off): each test pushes what Graph would.
 */
let stack: TestStack;
let sim: GraphSimulator;
let forwarder: http.Server;
let publicBaseUrl = '';


before(async () => {
  sim = await startGraphSimulator({ autoNotify: false, mailboxes: ['notify-a@contoso.example', 'notify-b@contoso.example', 'notify-c@contoso.example', 'notify-d@contoso.example', 'notify-e@contoso.example'] });
  forwarder = await startForwarder(() => stack.baseUrl);
  publicBaseUrl = `http://127.0.0.1:${(forwarder.address() as AddressInfo).port}`;
  stack = await startTestStack({ trustCa: [sim.caCertPem], env: { PUBLIC_BASE_URL: publicBaseUrl } });
});

after(async () => {
  await stack?.stop();
  await sim?.stop();
  await new Promise<void>((r) => (forwarder ? forwarder.close(() => r()) : r()));
});

function channelInput(mailbox: string) {
  return simulatorChannelInput(sim, mailbox, { connection: { pollIntervalSeconds: 86_400 } });
}

const subscriptionsOf = (mailbox: string): Subscription[] => sim.subscriptions().filter((s) => s.mailbox === mailbox);

async function runTimer(name: string): Promise<void> {
  const rec = await stack.invokeAndWait(name, '', 60_000);
  assert.equal(rec.status, 'succeeded', `${name}: ${rec.error ?? ''}`);
}

/** A published channel whose daily poll has run and whose Inbox is subscribed; returns its id and subscription. */
async function subscribedChannel(mailbox: string): Promise<{ channelId: string; sub: Subscription }> {
  const channelId = await publishChannel(stack, channelInput(mailbox));
  await runTimer('scheduleSync'); // the one poll of the day, so later tickets can only come from notifications
  await stack.settle(30_000);
  await runTimer('renewSubscriptions');
  await stack.settle(30_000); // the catch-up sync the new subscription queued, over before the test's mail
  const subs = subscriptionsOf(mailbox);
  assert.equal(subs.length, 1, `one subscription for ${mailbox}`);
  return { channelId, sub: subs[0]! };
}

const syncRuns = async () => (await stack.invocations('syncMailbox')).length;

test('a published Microsoft 365 channel is subscribed after Graph\'s validation handshake, and a new mail becomes a ticket on its notification, without polling', async () => {
  const mb = 'notify-a@contoso.example';
  const { channelId, sub } = await subscribedChannel(mb);
  assert.equal(sub.notificationUrl, `${publicBaseUrl}/api/graph/notify`);
  assert.equal(sub.lifecycleNotificationUrl, `${publicBaseUrl}/api/graph/lifecycle`);
  assert.equal(sub.changeType, 'created');
  assert.equal(sub.folderId, sim.folderId(mb, 'Inbox'));
  assert.ok(sub.immutableIds, 'notifications carry immutable ids');
  const handshakes = sim.notifications.filter((n) => n.subscriptionId === sub.id && n.kind === 'validation');
  assert.deepEqual(handshakes.map((h) => h.status), [200, 200], 'both URLs passed the handshake');

  await runTimer('renewSubscriptions');
  assert.deepEqual(subscriptionsOf(mb).map((s) => s.id), [sub.id], 'running again changes nothing');

  const messageId = await sim.deliver(mb, 'Inbox', rfc822({ subject: 'Printer on floor 3 jams', messageId: '<jam-1@client.example.org>' }));
  assert.deepEqual(await tickets(stack, channelId), [], 'nothing before the notification');
  assert.equal(await sim.pushChangeNotification(sub.id, { messageId }), 202);
  await stack.settle(30_000);
  assert.deepEqual((await tickets(stack, channelId)).map((t) => t.title), ['Printer on floor 3 jams']);
  assert.deepEqual(sim.folderMessages(mb, 'Processed').map((m) => m.subject), ['Printer on floor 3 jams']);
});

test('a notification with a wrong clientState queues nothing; the genuine one then brings the mail', async () => {
  const mb = 'notify-b@contoso.example';
  const { channelId, sub } = await subscribedChannel(mb);
  const messageId = await sim.deliver(mb, 'Inbox', rfc822({ subject: 'VPN drops every hour', messageId: '<vpn-1@client.example.org>' }));
  const runsBefore = await syncRuns();

  const forged = {
    value: [
      { subscriptionId: sub.id, clientState: 'a-guessed-client-state', changeType: 'created', resource: `Users/${mb}/Messages/${messageId}`, resourceData: { id: messageId } },
      { subscriptionId: 'unknown-subscription', clientState: 'whatever', changeType: 'created', resource: 'Users/x/Messages/y' },
    ],
  };
  const res = await fetch(`${publicBaseUrl}/api/graph/notify`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(forged) });
  assert.equal(res.status, 202, 'answered like any other, telling a forger nothing');
  await stack.settle(30_000);
  assert.equal(await syncRuns(), runsBefore, 'no sync was queued');
  assert.deepEqual(await tickets(stack, channelId), []);
  assert.ok(!stack.logs().includes('a-guessed-client-state'), 'the wrong value is not logged');
  assert.match(stack.logs(), /wrong clientState ignored/);

  assert.equal(await sim.pushChangeNotification(sub.id, { messageId }), 202);
  await stack.settle(30_000);
  assert.deepEqual((await tickets(stack, channelId)).map((t) => t.title), ['VPN drops every hour']);
});

test('a missed lifecycle notification makes the delta sweep pick up mail that was never notified', async () => {
  const mb = 'notify-c@contoso.example';
  const { channelId, sub } = await subscribedChannel(mb);
  await sim.deliver(mb, 'Inbox', rfc822({ subject: 'Bulk move 1', messageId: '<bulk-1@client.example.org>' }));
  await sim.deliver(mb, 'Inbox', rfc822({ subject: 'Bulk move 2', messageId: '<bulk-2@client.example.org>' }));
  await stack.settle(30_000);
  assert.deepEqual(await tickets(stack, channelId), []);

  assert.equal(await sim.pushLifecycleNotification(sub.id, 'missed'), 202);
  await stack.settle(30_000);
  assert.deepEqual((await tickets(stack, channelId)).map((t) => t.title).sort(), ['Bulk move 1', 'Bulk move 2']);
});

test('reauthorizationRequired renews the subscription; subscriptionRemoved syncs the folder and subscribes anew; pausing the channel deletes it', async () => {
  const mb = 'notify-d@contoso.example';
  const { channelId, sub } = await subscribedChannel(mb);
  const expiryBefore = sub.expirationDateTime; // the simulator updates its object in place

  assert.equal(await sim.pushLifecycleNotification(sub.id, 'reauthorizationRequired'), 202);
  await runTimer('renewSubscriptions');
  const renewed = subscriptionsOf(mb);
  assert.deepEqual(renewed.map((s) => s.id), [sub.id], 'the same subscription');
  assert.ok(Date.parse(renewed[0]!.expirationDateTime) > Date.parse(expiryBefore), 'with a later expiry');

  await sim.deliver(mb, 'Inbox', rfc822({ subject: 'Mail while unsubscribed', messageId: '<unsub-1@client.example.org>' }));
  assert.equal(await sim.pushLifecycleNotification(sub.id, 'subscriptionRemoved'), 202);
  await stack.settle(30_000);
  assert.deepEqual((await tickets(stack, channelId)).map((t) => t.title), ['Mail while unsubscribed'], 'the folder was synced at once');

  await runTimer('renewSubscriptions');
  const resubscribed = subscriptionsOf(mb);
  assert.equal(resubscribed.length, 1);
  const fresh = resubscribed[0]!;
  assert.notEqual(fresh.id, sub.id, 'a new subscription');
  const messageId = await sim.deliver(mb, 'Inbox', rfc822({ subject: 'After resubscribing', messageId: '<resub-1@client.example.org>' }));
  assert.equal(await sim.pushChangeNotification(fresh.id, { messageId }), 202);
  await stack.settle(30_000);
  assert.deepEqual((await tickets(stack, channelId)).map((t) => t.title).sort(), ['After resubscribing', 'Mail while unsubscribed']);

  const paused = await api(stack, 'POST', `channels/${channelId}/pause`);
  assert.equal(paused.status, 200, JSON.stringify(paused.body));
  await runTimer('renewSubscriptions');
  assert.deepEqual(subscriptionsOf(mb), [], 'a paused channel is not notified');
});

test('mail that arrived before the folder was subscribed becomes a ticket as soon as the subscription is made, without a notification or a poll', async () => {
  const mb = 'notify-e@contoso.example';
  const channelId = await publishChannel(stack, channelInput(mb));
  await runTimer('scheduleSync'); // the one poll of the day
  await stack.settle(30_000);
  await sim.deliver(mb, 'Inbox', rfc822({ subject: 'Sent before the subscription', messageId: '<gap-1@client.example.org>' }));
  await stack.settle(30_000);
  assert.deepEqual(await tickets(stack, channelId), [], 'nothing tells the channel of it yet');
  const before = await api<{ notifications?: ChannelNotifications }>(stack, 'GET', `channels/${channelId}/stats`);
  assert.equal(before.status, 200);
  assert.deepEqual(before.body.notifications, { mode: 'push', safetyPollSeconds: 86_400, folders: [{ folder: 'Inbox', state: 'missing', failures: 0 }] }, 'the monitoring API says the folder is not subscribed yet');

  await runTimer('renewSubscriptions');
  assert.equal(subscriptionsOf(mb).length, 1);
  const after = (await api<{ notifications: ChannelNotifications }>(stack, 'GET', `channels/${channelId}/stats`)).body.notifications;
  assert.deepEqual([after.mode, after.folders.length, after.folders[0]?.folder, after.folders[0]?.state], ['push', 1, 'Inbox', 'active']);
  assert.equal(Date.parse(after.folders[0]!.subscribedUntil ?? ''), Date.parse(subscriptionsOf(mb)[0]!.expirationDateTime), 'subscribed until the expiry Graph gave');
  assert.ok(Date.parse(after.folders[0]!.renewAt ?? '') < Date.parse(after.folders[0]!.subscribedUntil ?? ''));
  await stack.settle(30_000);
  assert.deepEqual((await tickets(stack, channelId)).map((t) => t.title), ['Sent before the subscription'], 'the catch-up sync found it');
  assert.equal(sim.notifications.filter((n) => n.kind !== 'validation' && subscriptionsOf(mb).some((s) => s.id === n.subscriptionId)).length, 0, 'no notification was sent');
});
