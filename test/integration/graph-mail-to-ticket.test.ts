import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestStack, type TestStack } from '../support/stack';
import { startGraphSimulator, type GraphSimulator } from '../../devhost/graph-simulator';
import { simulatorChannelInput } from '../../devhost/graph-simulator/channel';
import { api, ledger, publishChannel, rfc822, tickets } from '../support/mail-e2e';

/**
 * Mail → ticket end to end for Microsoft 365: the local Functions host (child process)
 * runs the real Graph client and the real @azure/identity credential against the Graph
 * + Entra ID simulator on loopback (https, its CA trusted via NODE_EXTRA_CA_CERTS), with
 * Azurite and the Cosmos emulator. One mailbox per test.
 */
let stack: TestStack;
let sim: GraphSimulator;
const MAILBOXES = ['desk-a@contoso.example', 'desk-b@contoso.example', 'desk-c@contoso.example'];

before(async () => {
  sim = await startGraphSimulator({ mailboxes: MAILBOXES });
  stack = await startTestStack({ trustCa: [sim.caCertPem] });
});

after(async () => {
  await stack?.stop();
  await sim?.stop();
});

function channelInput(mailbox: string) {
  return simulatorChannelInput(sim, mailbox);
}

async function sync(channelId: string, fullResync = false): Promise<void> {
  const res = await api(stack, 'POST', `channels/${channelId}/sync${fullResync ? '?fullResync=true' : ''}`);
  assert.equal(res.status, 202, JSON.stringify(res.body));
  await stack.settle(60_000);
}

const subjectsIn = (mailbox: string, folder: string) => sim.folderMessages(mailbox, folder).map((m) => m.subject ?? '').sort();

test('a new mail in a Microsoft 365 mailbox becomes one ticket and moves to the success folder; a rejected sender goes to the fail folder', async () => {
  const mb = MAILBOXES[0]!;
  const channelId = await publishChannel(stack, channelInput(mb));
  await stack.settle(30_000);
  assert.ok(sim.folderId(mb, 'Processed') && sim.folderId(mb, 'Failed'), 'publishing created the success and fail folders');

  await sim.deliver(mb, 'Inbox', rfc822({ subject: 'Teams crashes on start', messageId: '<teams-1@client.example.org>' }));
  await sim.deliver(mb, 'Inbox', rfc822({ from: 'eve@evil.test', subject: 'You won', messageId: '<won-1@evil.test>' }));
  await sync(channelId);

  const made = await tickets(stack, channelId);
  assert.deepEqual(made.map((t) => t.title), ['Teams crashes on start']);
  assert.deepEqual(subjectsIn(mb, 'Inbox'), []);
  assert.deepEqual(subjectsIn(mb, 'Processed'), ['Teams crashes on start']);
  assert.deepEqual(subjectsIn(mb, 'Failed'), ['You won']);
  const rejected = (await ledger(stack, channelId)).find((r) => r.subject === 'You won');
  assert.equal(rejected?.reasonCode, 'SENDER_DOMAIN_NOT_ALLOWED');
  // Graph calls per mail stay minimal: its MIME fetched once, moved once
  const calls = sim.requests.filter((r) => r.mailbox === mb && r.status < 300);
  assert.equal(calls.filter((r) => r.endpoint === 'messages.value').length, 2);
  assert.equal(calls.filter((r) => r.endpoint === 'messages.move').length, 2);
});

test('an expired delta link restarts a full sync without duplicating any ticket', async () => {
  const mb = MAILBOXES[1]!;
  const channelId = await publishChannel(stack, channelInput(mb));
  await stack.settle(30_000);
  await sim.deliver(mb, 'Inbox', rfc822({ subject: 'Outlook search is empty', messageId: '<search-1@client.example.org>' }));
  await sync(channelId);
  assert.equal((await tickets(stack, channelId)).length, 1);

  // an agent drags the processed mail back into the inbox; then Graph forgets the delta state
  const processed = sim.folderMessages(mb, 'Processed')[0]!;
  sim.moveMessage(mb, processed.id, 'Inbox');
  sim.expireDeltaTokens();
  await sim.deliver(mb, 'Inbox', rfc822({ subject: 'Calendar invites missing', messageId: '<cal-1@client.example.org>' }));
  await sync(channelId);

  const made = (await tickets(stack, channelId)).map((t) => t.title).sort();
  assert.deepEqual(made, ['Calendar invites missing', 'Outlook search is empty']);
  assert.deepEqual(subjectsIn(mb, 'Inbox'), []);
  assert.ok(sim.requests.some((r) => r.status === 410), 'the simulator answered 410 for the expired delta link');
  const records = await ledger(stack, channelId);
  assert.equal(records.length, 2);
  assert.equal(records.find((r) => r.subject === 'Outlook search is empty')?.duplicates.length, 1, 'the dragged-back mail is a recorded duplicate');
});

test('Graph throttling (429 with Retry-After) is waited out, and the mail still becomes exactly one ticket', async () => {
  const mb = MAILBOXES[2]!;
  const channelId = await publishChannel(stack, channelInput(mb));
  await stack.settle(30_000);
  await sim.deliver(mb, 'Inbox', rfc822({ subject: 'Shared mailbox not visible', messageId: '<shared-1@client.example.org>' }));
  const before = sim.requests.length;
  sim.injectFaults(2, { status: 429, retryAfterSeconds: 1, endpoint: 'messages.value' });
  await sync(channelId);

  assert.deepEqual((await tickets(stack, channelId)).map((t) => t.title), ['Shared mailbox not visible']);
  const calls = sim.requests.slice(before).filter((r) => r.endpoint === 'messages.value');
  const throttled = calls.filter((r) => r.status === 429);
  assert.equal(throttled.length, 2);
  for (const t of throttled) {
    const next = calls.find((r) => r.seq > t.seq);
    assert.ok(next, 'the throttled request was retried');
    assert.ok(next.startedAt - t.finishedAt >= 1000 - 25, `retried ${Math.round(next.startedAt - t.finishedAt)} ms after a Retry-After of 1 s`);
  }
  assert.deepEqual(subjectsIn(mb, 'Processed'), ['Shared mailbox not visible']);
});
