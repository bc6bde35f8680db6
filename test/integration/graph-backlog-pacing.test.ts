import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestStack, type TestStack } from '../support/stack';
import { startGraphSimulator, type GraphSimulator } from '../../devhost/graph-simulator';
import { simulatorChannelInput } from '../../devhost/graph-simulator/channel';
import { api, ledger, publishChannel, rfc822 } from '../support/mail-e2e';

/**
 * A backlog in one Microsoft 365 mailbox drained through the local host under Outlook's
 * per-mailbox limits (the simulator enforces 4 at once and a request window, scaled down from
 * 10,000 per 10 minutes to 60 per 15 s so that the backlog needs more than one window's
 * allowance). The host paces its Graph requests by the same limit (GRAPH_MAILBOX_* settings).
 * Counted, not timed: the simulator's 429s and requests, and the tickets made.
 */
const LIMIT = { maxConcurrent: 4, requestsPerWindow: 60, windowMs: 15_000 };
const MAILS = 90;
const mb = 'backlog@contoso.example';

let stack: TestStack;
let sim: GraphSimulator;

before(async () => {
  sim = await startGraphSimulator({ mailboxes: [mb], throttle: LIMIT, latencyMs: 10 });
  stack = await startTestStack({
    graphSimulator: sim,
    env: { GRAPH_MAILBOX_REQUESTS_PER_WINDOW: String(LIMIT.requestsPerWindow), GRAPH_MAILBOX_WINDOW_SECONDS: String(LIMIT.windowMs / 1000) },
  });
});

after(async () => {
  await stack?.stop();
  await sim?.stop();
});

test("a backlog needing more than a window of Graph's per-mailbox allowance drains with at most 1% of requests answered 429, and every mail becomes exactly one ticket", async () => {
  const channelId = await publishChannel(stack, simulatorChannelInput(sim, mb));
  await stack.settle(30_000);
  for (let i = 0; i < MAILS; i++) await sim.deliver(mb, 'Inbox', rfc822({ subject: `Backlog ${i}`, messageId: `<backlog-${i}@client.example.org>` }));
  sim.resetCounters();

  const res = await api(stack, 'POST', `channels/${channelId}/sync`);
  assert.equal(res.status, 202, JSON.stringify(res.body));
  await stack.settle(180_000);

  const stats = sim.stats();
  const requests = sim.requests.filter((r) => r.mailbox === mb);
  assert.ok(requests.length > LIMIT.requestsPerWindow, `the backlog needed more than one window's allowance (${requests.length} requests)`);
  assert.ok(stats.throttled429 <= Math.floor(0.01 * requests.length), `${stats.throttled429} of ${requests.length} requests answered 429`);
  assert.ok((stats.maxConcurrency[mb] ?? 0) <= LIMIT.maxConcurrent);

  const made = await api<{ items: { title: string }[] }>(stack, 'GET', `tickets?channelId=${encodeURIComponent(channelId)}&limit=1000`);
  const titles = made.body.items.map((t) => t.title);
  assert.equal(titles.length, MAILS);
  assert.equal(new Set(titles).size, MAILS, 'one ticket per mail, none twice');
  assert.equal(sim.folderMessages(mb, 'Inbox').length, 0);
  assert.equal(sim.folderMessages(mb, 'Processed').length, MAILS);
  assert.ok((await ledger(stack, channelId)).every((r) => r.state === 'done'));
});
