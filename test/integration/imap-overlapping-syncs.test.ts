import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestStack, type TestStack } from '../support/stack';
import { type Dovecot, dovecotChannelInput, startDovecot } from '../support/dovecot';
import { api, eventually, ledger, publishChannel, rfc822, tickets } from '../support/mail-e2e';
import type { LedgerStats } from '../../shared/store/ledger';

/**
 * The fault test's findings 13, 14 and 16 through the local host on Dovecot: syncs that
 * overlap (the timer, a notification and "sync now" at once), copies of a mail, and a
 * first copy whose worker stalls (as a killed host's message stays invisible) while more
 * copies arrive. Every ledger record ends done, counts are true, every copy is in a folder.
 */
let stack: TestStack;
let dovecot: Dovecot;
const USERS = ['overlap1', 'overlap2'].map((u) => ({ user: `${u}@example.com`, password: `${u}-secret` }));
/** How long the first copy's worker stalls: longer than the five 1-second retries a waiting copy used to get. */
const STALL_MS = 12_000;

before(async () => {
  dovecot = await startDovecot({ users: USERS });
  stack = await startTestStack({
    trustCa: [dovecot.caCertPem],
    env: {
      MAIL_ALLOW_PRIVATE_HOSTS: 'true',
      MAILCHANNEL_TEST_FAULTS: JSON.stringify([{ point: 'before-decide', match: '[stalls]', times: 1, stallMs: STALL_MS }]),
    },
  });
});

after(async () => {
  await stack?.stop();
  await dovecot?.stop();
});

function channelInput(user: { user: string; password: string }) {
  return dovecotChannelInput(dovecot, user, `Overlap desk ${user.user}`, { domains: { allowed: ['example.org'] } });
}

/** What `/stats` answers: the ledger's stats, as JSON. */
type Stats = LedgerStats;

test('two syncs at once over five mails and three copies of another: each copy is processed once, every record ends done, counts are true', async () => {
  const u = USERS[0]!;
  const channelId = await publishChannel(stack, channelInput(u));
  await stack.settle(30_000);
  // Counted from before the mail arrives: the scheduler's timer may sync the new channel while
  // the mails are appended, and its runs are part of the count (still one per copy).
  const before = (await stack.invocations('processMail')).length;
  for (let i = 0; i < 5; i++) await dovecot.append(u.user, 'INBOX', rfc822({ subject: `Overlap ${i}`, messageId: `<overlap-${i}@client.example.org>` }));
  const copy = rfc822({ subject: 'Overlap copied', messageId: '<overlap-copy@client.example.org>' });
  for (let i = 0; i < 3; i++) await dovecot.append(u.user, 'INBOX', copy);

  const syncs = await Promise.all([api(stack, 'POST', `channels/${channelId}/sync`), api(stack, 'POST', `channels/${channelId}/sync`)]);
  assert.deepEqual(syncs.map((s) => s.status), [202, 202]);
  await stack.settle(90_000);

  const runs = (await stack.invocations('processMail')).length - before;
  const failed = (await stack.invocations('processMail')).filter((r) => r.status === 'failed');
  assert.equal(runs, 8, 'one queue message per copy in the mailbox: the second sync did not list the folder again');
  assert.deepEqual(failed.map((r) => r.error), [], 'no attempt failed (no 412 between rivals)');

  const records = await ledger(stack, channelId);
  assert.equal(records.length, 6);
  for (const r of records) {
    assert.equal(r.state, 'done', `${r.subject} is done`);
    assert.equal(r.outcome, 'created', `${r.subject} made its ticket`);
    assert.notEqual(r.reasonCode, 'POISON');
  }
  assert.equal(records.find((r) => r.subject === 'Overlap copied')?.duplicates.length, 2, 'two copies besides the first');
  assert.ok(records.filter((r) => r.subject !== 'Overlap copied').every((r) => r.duplicates.length === 0), 'no mail is a duplicate of itself');
  assert.equal((await tickets(stack, channelId)).length, 6);
  assert.equal((await dovecot.list(u.user, 'INBOX')).length, 0);
  assert.equal((await dovecot.list(u.user, 'Processed')).length, 8);

  const stats = (await api<Stats>(stack, 'GET', `channels/${channelId}/stats`)).body;
  assert.deepEqual(stats.byOutcome, { created: 6 });
  assert.equal(stats.duplicates, 2);
  assert.equal(stats.inFlight, 0);
});

test('copies that arrive while the first copy\'s worker is stalled are in the ledger at once, shown in flight, and end in the folder with it', async () => {
  const u = USERS[1]!;
  const channelId = await publishChannel(stack, channelInput(u));
  await stack.settle(30_000);
  const raw = rfc822({ subject: 'Password reset [stalls]', messageId: '<stalled-1@client.example.org>' });
  await dovecot.append(u.user, 'INBOX', raw);
  assert.equal((await api(stack, 'POST', `channels/${channelId}/sync`)).status, 202);
  // no settle: the first copy's attempt stalls while holding its queue message
  const quick = async (check: () => Promise<boolean>, what: string) => {
    const deadline = Date.now() + 10_000;
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for: ${what}\n${stack.logs().slice(-3000)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  await quick(async () => (await ledger(stack, channelId))[0]?.state === 'received', 'the first copy is received and stalled');

  await dovecot.append(u.user, 'INBOX', raw);
  await dovecot.append(u.user, 'INBOX', raw);
  assert.equal((await api(stack, 'POST', `channels/${channelId}/sync`)).status, 202);
  await quick(async () => (await ledger(stack, channelId))[0]?.duplicates.length === 2, 'both copies recorded on the first copy\'s record');

  // meanwhile the admin sees the mail in flight, since when, and who holds it
  const stats = (await api<Stats>(stack, 'GET', `channels/${channelId}/stats`)).body;
  assert.equal(stats.inFlight, 1);
  assert.deepEqual(stats.inFlightByState, { received: 1, decided: 0 });
  assert.ok(stats.inFlightSince, 'the stats say since when');
  assert.equal(stats.duplicates, 2);
  const [stuck] = await ledger(stack, channelId);
  const one = await api<{ state: string; claim?: { by: string; until: string } }>(stack, 'GET', `channels/${channelId}/messages/${stuck!.id}`);
  assert.equal(one.body.state, 'received');
  assert.ok(one.body.claim?.until, 'the record shows the delivery holding it and until when');
  const retry = await api<{ error?: { message?: string }; message?: string }>(stack, 'POST', `channels/${channelId}/messages/${stuck!.id}/retry`);
  assert.equal(retry.status, 409);
  assert.match(JSON.stringify(retry.body), /claimed by a delivery until/, 'a retry explains why the mail is held and that it comes back');
  assert.equal((await dovecot.list(u.user, 'INBOX')).length, 3, 'the copies wait for the first');

  // the stalled attempt fails; its message comes back and finishes the mail and its copies
  await eventually(stack, async () => (await ledger(stack, channelId))[0]?.state === 'done', 'the first copy finished', STALL_MS + 60_000);
  const [record] = await ledger(stack, channelId);
  assert.equal(record?.outcome, 'created');
  assert.equal(record?.duplicates.length, 2);
  assert.equal((await tickets(stack, channelId)).length, 1);
  assert.equal((await dovecot.list(u.user, 'INBOX')).length, 0);
  assert.equal((await dovecot.list(u.user, 'Processed')).length, 3);
  assert.equal((await api<Stats>(stack, 'GET', `channels/${channelId}/stats`)).body.inFlight, 0);
});
