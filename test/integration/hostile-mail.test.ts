import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { CosmosClient } from '@azure/cosmos';
import { CosmosContainers } from '../../shared/store/containers';
import { startTestStack, type TestStack } from '../support/stack';
import { type Dovecot, dovecotChannelInput, startDovecot } from '../support/dovecot';
import { api, ledger, publishChannel, rfc822, tickets } from '../support/mail-e2e';

/**
 * Mail built to stall a worker, through the local host on real parts (Dovecot, Azurite,
 * the Cosmos emulator), where the review saw it: a body with long runs of blanks kept
 * processMail busy for 87 s and /api/health unanswered for ~80 s (finding 1); an admin's
 * `(a+)+$` mapping against a 50 KB subject hung the host (finding 2); patterns and flags
 * the engine refuses were accepted and poisoned every mail (finding 5).
 *
 * No clock is asserted. The inputs are sized so that the old code would take far longer
 * than the test timeout (the blank runs: minutes, quadratic; `(a+)+$`: ~2^50000 steps),
 * and the promises are about outcomes: the ticket exists with the body intact, the host
 * answers its health check, the ledger record is done.
 */
let stack: TestStack;
let dovecot: Dovecot;
const USERS = ['hostile1', 'hostile2', 'hostile3'].map((u) => ({ user: `${u}@example.com`, password: `${u}-secret` }));

before(async () => {
  dovecot = await startDovecot({ users: USERS });
  stack = await startTestStack({ trustCa: [dovecot.caCertPem] });
});

after(async () => {
  await stack?.stop();
  await dovecot?.stop();
});

function channelInput(user: { user: string; password: string }, fields: unknown[] = []) {
  return dovecotChannelInput(dovecot, user, `Hostile mail ${user.user}`, { domains: { allowed: ['example.org'] }, ticketMapping: { templateId: 'it-support', fields } });
}

/** Asks for a sync, checks the host answers its health check while the mail is worked on, then waits until it is quiet. */
async function syncAnsweringHealth(channelId: string): Promise<void> {
  const res = await api(stack, 'POST', `channels/${channelId}/sync`);
  assert.equal(res.status, 202, JSON.stringify(res.body));
  // With the old code this request waited for the event loop the regex held (minutes): the test timed out.
  const health = await fetch(`${stack.baseUrl}/api/health`);
  assert.equal(health.status, 200);
  await stack.settle(120_000);
  assert.equal((await fetch(`${stack.baseUrl}/api/health`)).status, 200);
}

test('a mail with long runs of blanks becomes its ticket with the body intact, and the host keeps answering', { timeout: 240_000 }, async () => {
  const u = USERS[0]!;
  const channelId = await publishChannel(stack, channelInput(u));
  await stack.settle(30_000);
  // 400,000 blanks inside a line: /[ \t]+$/gm needed ~2 s for 40,000, and grows with the square
  const run = `${' '.repeat(300_000)}${'\t '.repeat(50_000)}`;
  const text = `Hello,\r\n\r\nthe log shows:${run}ERROR 42   \r\n\r\nRegards,\r\nAlice`;
  const raw = Buffer.from(
    [
      'From: Alice Example <alice@example.org>',
      'To: desk@example.com',
      'Subject: Blank runs',
      'Message-ID: <blanks-1@example.org>',
      'Date: Tue, 01 Dec 2026 10:00:00 +0000',
      'MIME-Version: 1.0',
      'Content-Type: text/plain; charset=utf-8',
      'Content-Transfer-Encoding: base64',
      '',
      Buffer.from(text).toString('base64').replace(/.{76}/g, '$&\r\n'),
      '',
    ].join('\r\n'),
  );
  await dovecot.append(u.user, 'INBOX', raw);
  await syncAnsweringHealth(channelId);

  const [record, ...more] = await ledger(stack, channelId);
  assert.equal(more.length, 0);
  assert.equal(record?.state, 'done');
  assert.equal(record?.outcome, 'created');
  const ticket = await api<{ description: { text: string } }>(stack, 'GET', `tickets/${record!.ticketId}`);
  assert.equal(ticket.status, 200);
  assert.equal(ticket.body.description.text, `Hello,\n\nthe log shows:${run}ERROR 42\n\nRegards,\nAlice`);
  assert.equal((await dovecot.list(u.user, 'Processed')).length, 1);
});

test('admin patterns run on RE2: (a+)+$ against a 50 KB subject maps nothing and the mail becomes its ticket', { timeout: 240_000 }, async () => {
  const u = USERS[1]!;
  const channelId = await publishChannel(stack, channelInput(u, [{ field: 'affectedSystem', source: { kind: 'regex', on: 'subject', pattern: '(a+)+$', flags: 'i', group: 1 } }]));
  await stack.settle(30_000);
  await dovecot.append(u.user, 'INBOX', rfc822({ subject: `${'a'.repeat(50_000)}!`, messageId: '<redos-1@example.org>' }));
  await dovecot.append(u.user, 'INBOX', rfc822({ subject: 'aaaa', messageId: '<redos-2@example.org>' }));
  await syncAnsweringHealth(channelId);

  const records = await ledger(stack, channelId);
  assert.equal(records.length, 2);
  assert.ok(records.every((r) => r.state === 'done' && r.outcome === 'created'), JSON.stringify(records.map((r) => [r.state, r.outcome, r.reason])));
  const made = await tickets(stack, channelId);
  assert.equal(made.length, 2);
  const fields = await Promise.all(made.map(async (t) => (await api<{ fields: Record<string, unknown> }>(stack, 'GET', `tickets/${t.id}`)).body.fields.affectedSystem));
  assert.deepEqual(fields.sort(), ['aaaa', undefined].sort(), 'the pattern still maps where it matches');
});

test('patterns and flags the engine refuses are a 400 naming the field, not 201 and a poison loop', async () => {
  const u = USERS[1]!;
  const cases: [pattern: string, flags: string, path: string, message: RegExp][] = [
    ['\\p{Foo}', 'iu', 'ticketMapping.fields.0.source.pattern', /\\p\{Foo\}/],
    ['x', 'ii', 'ticketMapping.fields.0.source.flags', /given twice/],
    ['ref(?=\\d)', 'i', 'ticketMapping.fields.0.source.pattern', /lookahead/],
    ['(\\w)\\1', 'i', 'ticketMapping.fields.0.source.pattern', /backreferences/],
  ];
  for (const [pattern, flags, path, message] of cases) {
    const res = await api<{ issues?: { path: string; message: string }[] }>(stack, 'POST', 'channels', channelInput(u, [{ field: 'affectedSystem', source: { kind: 'regex', on: 'body', pattern, flags } }]));
    assert.equal(res.status, 400, `${pattern} /${flags}: ${JSON.stringify(res.body)}`);
    const issue = res.body.issues?.find((i) => i.path === path);
    assert.ok(issue, `${pattern} /${flags}: ${JSON.stringify(res.body)}`);
    assert.match(issue.message, message);
  }
  // JavaScript refuses \- under u; RE2 reads it as "-": a valid mapping
  const ok = await api(stack, 'POST', 'channels', channelInput(u, [{ field: 'affectedSystem', source: { kind: 'regex', on: 'body', pattern: 'PO\\-(\\d+)', flags: 'u' } }]));
  assert.equal(ok.status, 201, JSON.stringify(ok.body));
});

test('a stored mapping RE2 refuses makes each mail a recorded rejection naming the field, decided once, not a poison loop', { timeout: 240_000 }, async () => {
  const u = USERS[2]!;
  const channelId = await publishChannel(stack, channelInput(u, [{ field: 'affectedSystem', source: { kind: 'regex', on: 'body', pattern: 'PC-(\\d+)', flags: 'i' } }]));
  await stack.settle(30_000);
  // A channel saved before patterns were checked on RE2: \p{Foo} with "iu" threw in V8 on every mail (five tries, then POISON).
  const cosmos = new CosmosClient({ endpoint: stack.env.COSMOS_ENDPOINT!, key: stack.env.COSMOS_KEY!, connectionPolicy: { enableEndpointDiscovery: false } });
  const item = cosmos.database(stack.env.COSMOS_DATABASE!).container(CosmosContainers.channels.id).item(channelId, channelId);
  const { resource } = await item.read<{ ticketMapping: { fields: { source: { pattern: string; flags: string } }[] } }>();
  resource!.ticketMapping.fields[0]!.source = { ...resource!.ticketMapping.fields[0]!.source, pattern: '\\p{Foo}', flags: 'iu' };
  await item.replace(resource!);
  cosmos.dispose();

  await dovecot.append(u.user, 'INBOX', rfc822({ subject: 'Broken mapping', messageId: '<mapping-1@example.org>' }));
  await syncAnsweringHealth(channelId);

  const [record, ...more] = await ledger(stack, channelId);
  assert.equal(more.length, 0);
  assert.equal(record?.state, 'done');
  assert.equal(record?.outcome, 'rejected');
  assert.equal(record?.reasonCode, 'FIELD_MAPPING_INVALID');
  assert.match(record?.reason ?? '', /ticketMapping\.fields\.0\.source .*"affectedSystem".*\\p\{Foo\}/);
  const one = await api<{ attempts: number }>(stack, 'GET', `channels/${channelId}/messages/${record!.id}`);
  assert.equal(one.body.attempts, 1, 'decided on the first attempt');
  assert.equal((await tickets(stack, channelId)).length, 0);
  assert.equal((await dovecot.list(u.user, 'Failed')).length, 1);
});
