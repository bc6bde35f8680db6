import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ChannelInput } from '../../../shared/config/channel';
import { DEMO_CHANNEL_REVISION, demoChannelInput, repointPatch, subscribeNow, upgradePatch, type SimulatorEndpoint, type SubscriptionView } from '../../../devhost/demo/demo-channel';

/** The demo channel as an admin would write it (the admin API round trip is in test/integration/demo-mailbox.test.ts). */
const sim: SimulatorEndpoint = {
  host: '127.0.0.1',
  port: 7443,
  app: { tenantId: 'tenant-1', clientId: 'client-1', clientSecret: 'secret-1' },
  tokenEndpoint: (tenant) => `https://127.0.0.1:7443/${tenant}/oauth2/v2.0/token`,
};

test('the demo channel is a valid ChannelInput: Graph on the simulator, client secret, any sender domain', () => {
  const c = ChannelInput.parse(demoChannelInput(sim, 'helpdesk@demo.test'));
  assert.equal(c.connection.protocol, 'graph');
  assert.deepEqual([c.connection.host, c.connection.port, c.connection.username], ['127.0.0.1', 7443, 'helpdesk@demo.test']);
  assert.equal(c.connection.auth.type, 'oauth');
  if (c.connection.auth.type === 'oauth') {
    assert.equal(c.connection.auth.flow, 'clientCredentials');
    assert.equal(c.connection.auth.clientSecret, 'secret-1');
    assert.equal(c.connection.auth.tokenEndpoint, 'https://127.0.0.1:7443/tenant-1/oauth2/v2.0/token');
  }
  assert.deepEqual(c.domains.allowed, [], 'every sender domain');
});

test("the demo channel whitelists its own template, so a reply to its acknowledgement becomes a note (not the fail folder)", () => {
  const c = ChannelInput.parse(demoChannelInput(sim, 'helpdesk@demo.test'));
  assert.deepEqual(c.ticketMapping.whitelist, [c.ticketMapping.templateId]);
});

test('a demo channel made at revision 1 gets its template added to the whitelist once; the current revision, or a template already there, changes nothing', () => {
  const old = { ticketMapping: { templateId: 'it-support', whitelist: ['hr'] } };
  assert.deepEqual(upgradePatch(old, 1), { ticketMapping: { whitelist: ['hr', 'it-support'] } });
  assert.equal(upgradePatch({ ticketMapping: { templateId: 'it-support', whitelist: ['it-support'] } }, 1), undefined);
  // A user who took the template out after the upgrade keeps it out.
  assert.equal(upgradePatch({ ticketMapping: { templateId: 'it-support', whitelist: [] } }, DEMO_CHANNEL_REVISION), undefined);
});

test('a stored demo channel is re-pointed only when the simulator moved, its secret sent again for the new endpoint', () => {
  const stored = { connection: { host: '127.0.0.1', port: 7443, auth: { type: 'oauth', tokenEndpoint: sim.tokenEndpoint('tenant-1') } } };
  assert.equal(repointPatch(stored, sim), undefined);
  const moved: SimulatorEndpoint = { ...sim, port: 40001, tokenEndpoint: (t) => `https://127.0.0.1:40001/${t}/oauth2/v2.0/token` };
  assert.deepEqual(repointPatch(stored, moved), { connection: { host: '127.0.0.1', port: 40001, auth: { tokenEndpoint: 'https://127.0.0.1:40001/tenant-1/oauth2/v2.0/token', clientSecret: 'secret-1' } } });
});

const HERE = 'http://127.0.0.1:7071/api/graph/notify';

/** The simulator's subscription list as subscribeNow reads it: only the mailbox and where it notifies matter here. */
function subscriptionsOf(mailboxes: (string | { mailbox: string; notificationUrl: string })[]): SubscriptionView {
  const subs = () => mailboxes.map((m) => (typeof m === 'string' ? { mailbox: m, notificationUrl: HERE } : m));
  return { subscriptions: () => subs() as unknown as ReturnType<SubscriptionView['subscriptions']> };
}

test('the demo mailbox is subscribed at start by one run of the subscription timer; a mailbox already subscribed (restored) runs nothing', async () => {
  const held: string[] = [];
  let runs = 0;
  assert.equal(await subscribeNow(subscriptionsOf(held), 'helpdesk@demo.test', HERE, async () => {
    runs++;
    setTimeout(() => held.push('Helpdesk@demo.test'), 50);
  }), true);
  assert.equal(runs, 1);
  assert.equal(await subscribeNow(subscriptionsOf(held), 'helpdesk@demo.test', HERE, async () => void runs++), true);
  assert.equal(runs, 1, 'not run again');
});

test('when the timer makes no subscription for the mailbox (another mailbox only), subscribeNow says false after its wait', async () => {
  assert.equal(await subscribeNow(subscriptionsOf(['other@demo.test']), 'helpdesk@demo.test', HERE, async () => undefined, 200), false);
});

test('a subscription restored from a run whose host listened elsewhere does not count: the timer runs, and the one that notifies this host does', async () => {
  const held: (string | { mailbox: string; notificationUrl: string })[] = [{ mailbox: 'helpdesk@demo.test', notificationUrl: 'http://127.0.0.1:40404/api/graph/notify' }];
  let runs = 0;
  assert.equal(await subscribeNow(subscriptionsOf(held), 'helpdesk@demo.test', HERE, async () => {
    runs++;
    setTimeout(() => held.push('helpdesk@demo.test'), 50);
  }), true);
  assert.equal(runs, 1);
});
