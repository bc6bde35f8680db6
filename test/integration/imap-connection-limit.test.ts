import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestStack, type TestStack } from '../support/stack';
import { type Dovecot, dovecotChannelInput, startDovecot } from '../support/dovecot';
import { api, ledger, publishChannel, rfc822, tickets } from '../support/mail-e2e';

/**
 * Many mails of one mailbox in flight at once, against a server that allows few
 * connections per user (Dovecot's `mail_max_userip_connections`, as Exchange Online's
 * 20 per mailbox): the host shares a few IMAP connections per mailbox instead of logging
 * in once per mail, so no attempt is refused for the connection limit.
 */
const LIMIT = 5;
const MAILS = 24;
const USER = { user: 'busy@example.com', password: 'busy-secret' };

let stack: TestStack;
let dovecot: Dovecot;

before(async () => {
  dovecot = await startDovecot({ users: [USER], maxUserIpConnections: LIMIT });
  // Sessions stay pooled until the host stops (the last test checks they are logged out then).
  stack = await startTestStack({ trustCa: [dovecot.caCertPem], env: { IMAP_IDLE_SECONDS: '600' } });
});

after(async () => {
  await stack?.stop(); // again: a no-op when the last test stopped it
  await dovecot?.stop();
});

const logins = () => dovecot.log().split('\n').filter((l) => l.includes('Login:') && l.includes(`user=<${USER.user}>`)).length;
const refusals = () => dovecot.log().split('\n').filter((l) => l.includes('Maximum number of connections')).length;

test(`${MAILS} mails in flight on a server allowing ${LIMIT} connections per user all become tickets on their first attempt`, async (t) => {
  const channelId = await publishChannel(stack, dovecotChannelInput(dovecot, USER, 'Busy desk', { domains: { allowed: ['example.org'] } }));
  await stack.settle(30_000);
  for (let i = 0; i < MAILS; i++) await dovecot.append(USER.user, 'INBOX', rfc822({ subject: `Request ${i + 1}` }));

  const loginsBefore = logins();
  const res = await api(stack, 'POST', `channels/${channelId}/sync`);
  assert.equal(res.status, 202, JSON.stringify(res.body));
  await stack.settle(120_000);
  // Counted before the checks below log in themselves.
  const loginsForSync = logins() - loginsBefore;

  const runs = await stack.invocations('processMail');
  t.diagnostic(`logins for one sync and ${MAILS} mails: ${loginsForSync}; processMail attempts: ${runs.length}; refused logins: ${refusals()}`);
  const failed = runs.filter((r) => r.status === 'failed');
  assert.deepEqual(failed.map((r) => r.error), [], 'no processMail attempt failed');
  assert.equal(runs.length, MAILS, 'one attempt per mail');
  assert.equal(refusals(), 0, `Dovecot refused no login for the connection limit:\n${dovecot.log().slice(-3000)}`);
  assert.ok(loginsForSync <= 4, `the sync and ${MAILS} mails logged in ${loginsForSync} times; at most the pool's cap of 4`);

  assert.equal((await tickets(stack, channelId)).length, MAILS);
  const records = await ledger(stack, channelId);
  assert.equal(records.length, MAILS);
  assert.ok(records.every((r) => r.state === 'done' && r.outcome === 'created'), 'every mail is a ticket');
  for (const r of records) {
    const detail = await api<{ attempts: number }>(stack, 'GET', `channels/${channelId}/messages/${r.id}`);
    assert.equal(detail.body.attempts, 1, `attempts of ${r.subject}`);
  }
  assert.equal((await dovecot.list(USER.user, 'Processed')).length, MAILS);
});

test('stopping the host logs its pooled IMAP sessions out rather than cutting them off', async () => {
  assert.ok(dovecot.connectionCount() > 0, 'the host keeps sessions for the next mail');
  await stack.stop();
  assert.equal(await dovecot.waitForNoConnections(), 0);
  // Dovecot ends a session's log with "Disconnected: Logged out" after LOGOUT, and with
  // "Disconnected: Connection closed" (or another reason) when the client just went away.
  const ends = () => dovecot.log().split('\n').filter((l) => l.includes(`imap(${USER.user})`) && l.includes('Disconnected:'));
  for (let i = 0; i < 100 && ends().length < logins(); i++) await new Promise((r) => setTimeout(r, 50));
  assert.equal(ends().length, logins(), 'every session has ended in the log');
  assert.deepEqual(ends().filter((l) => !l.includes('Disconnected: Logged out')), [], 'no session was cut off');
});
