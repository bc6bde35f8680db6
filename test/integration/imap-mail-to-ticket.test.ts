import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestStack, type TestStack } from '../support/stack';
import { startDovecot, type Dovecot } from '../support/dovecot';
import { api, eventually, ledger, publishChannel, rfc822, tickets } from '../support/mail-e2e';

/**
 * Mail → ticket end to end on real parts: a real Dovecot mailbox, the local Functions
 * host (child process) with its timer and queue triggers, Azurite and the Cosmos
 * emulator. Each test has its own mailbox user and channel.
 */
let stack: TestStack;
let dovecot: Dovecot;
const USERS = ['desk1', 'desk2', 'desk3', 'desk4', 'desk5', 'desk6', 'desk7', 'desk8', 'desk9', 'desk10'].map((u) => ({ user: `${u}@example.com`, password: `${u}-secret` }));

before(async () => {
  dovecot = await startDovecot({ users: USERS });
  stack = await startTestStack({
    trustCa: [dovecot.caCertPem],
    env: {
      // crash points for the crash-safety tests below, matched by subject
      MAILCHANNEL_TEST_FAULTS: JSON.stringify([
        { point: 'before-move', match: '[crash-before-move]', times: 1 },
        { point: 'before-decide', match: '[always-fails]', times: 100 },
      ]),
    },
  });
});

after(async () => {
  await stack?.stop();
  await dovecot?.stop();
});

function channelInput(user: { user: string; password: string }, over: Record<string, unknown> = {}) {
  return {
    name: `IMAP desk ${user.user}`,
    connection: {
      protocol: 'imap',
      host: '127.0.0.1',
      port: dovecot.port,
      tls: 'starttls',
      username: user.user,
      auth: { type: 'password', password: user.password },
    },
    folders: { read: ['INBOX'], success: 'Processed', fail: 'Failed', exclusion: 'Private' },
    domains: { allowed: ['example.org', '*.partner.example'] },
    ticketMapping: { templateId: 'it-support' },
    ...over,
  };
}

/** Asks for a sync now (as an admin would), and waits until the host is quiet. */
async function sync(channelId: string): Promise<void> {
  const res = await api(stack, 'POST', `channels/${channelId}/sync`);
  assert.equal(res.status, 202, JSON.stringify(res.body));
  await stack.settle(60_000);
}

async function messageIds(user: string, folder: string): Promise<string[]> {
  const all = await dovecot.folders(user);
  if (!all.includes(folder)) return [];
  const mails = await dovecot.list(user, folder);
  return mails.map((m) => (m.messageId ?? '').replace(/^<|>$/g, ''));
}

test('new mail becomes one ticket, filters route the rest, and every mail ends in the right folder with its fate recorded', async () => {
  const u = USERS[0]!;
  const published = new Date().toISOString();
  const channelId = await publishChannel(stack, channelInput(u));
  await stack.settle(30_000);
  // publishing created the success and fail folders on the server
  const folders = await dovecot.folders(u.user);
  assert.ok(folders.includes('Processed') && folders.includes('Failed'), `folders after publish: ${folders.join(', ')}`);

  await dovecot.append(u.user, 'INBOX', rfc822({ subject: 'Laptop does not boot', messageId: '<boot-1@client.example.org>' }));
  await dovecot.append(u.user, 'INBOX', rfc822({ from: 'eve@evil.test', subject: 'Cheap watches', messageId: '<spam-1@evil.test>' }));
  await dovecot.append(u.user, 'INBOX', rfc822({ from: 'bob@eu.partner.example', subject: 'Automatic reply: Laptop', messageId: '<oof-1@partner.example>', headers: { 'Auto-Submitted': 'auto-replied' } }));
  await dovecot.append(u.user, 'INBOX', Buffer.from('This is not a mail at all.\r\nNo headers here\r\n\r\njust text\r\n'));
  await dovecot.append(u.user, 'Private', rfc822({ subject: 'Personal note', messageId: '<private-1@client.example.org>' }));
  await sync(channelId);

  const made = await tickets(stack, channelId);
  assert.equal(made.length, 1, `tickets: ${made.map((t) => t.title).join(' | ')}`);
  assert.equal(made[0]!.title, 'Laptop does not boot');

  const records = await ledger(stack, channelId);
  const bySubject = new Map(records.map((r) => [r.subject ?? '(unparseable)', r]));
  assert.equal(bySubject.get('Laptop does not boot')?.outcome, 'created');
  assert.equal(bySubject.get('Laptop does not boot')?.ticketId, made[0]!.id);
  assert.equal(bySubject.get('Cheap watches')?.outcome, 'rejected');
  assert.equal(bySubject.get('Cheap watches')?.reasonCode, 'SENDER_DOMAIN_NOT_ALLOWED');
  assert.match(bySubject.get('Cheap watches')?.reason ?? '', /evil\.test/);
  assert.equal(bySubject.get('Automatic reply: Laptop')?.outcome, 'ignored');
  assert.equal(bySubject.get('Automatic reply: Laptop')?.reasonCode, 'AUTO_REPLY');
  const broken = records.find((r) => r.reasonCode === 'MIME_UNPARSEABLE');
  assert.ok(broken, 'the malformed mail is in the ledger');
  assert.equal(broken.outcome, 'failed');
  assert.match(broken.reason ?? '', /no mail headers/);
  assert.ok(records.every((r) => r.state === 'done'), 'every mail is finished');
  assert.equal(records.length, 4, 'the exclusion folder was not read');

  assert.deepEqual(await messageIds(u.user, 'INBOX'), []);
  assert.deepEqual((await messageIds(u.user, 'Processed')).sort(), ['boot-1@client.example.org', 'oof-1@partner.example'].sort());
  assert.equal((await dovecot.list(u.user, 'Failed')).length, 2, 'rejected sender and malformed mail are in the fail folder');
  assert.deepEqual(await messageIds(u.user, 'Private'), ['private-1@client.example.org'], 'the exclusion folder is untouched');

  await stack.invokeAndWait('scheduleSync');
  const stats = await api<{ byOutcome: Record<string, number>; inFlight: number; sync: { lastRequestedAt?: string } }>(stack, 'GET', `channels/${channelId}/stats`);
  assert.deepEqual(stats.body.byOutcome, { created: 1, rejected: 1, ignored: 1, failed: 1 });
  assert.equal(stats.body.inFlight, 0);
  // the scheduler keeps its last request on the channel's due-time entry, and /stats shows it
  // (that request may be the host's own minute timer's, made before this invocation: the
  // entry is then not due again yet, so the bound is the channel's publishing)
  assert.ok((stats.body.sync.lastRequestedAt ?? '') >= published, `lastRequestedAt ${stats.body.sync.lastRequestedAt} after ${published}`);
});

test('the same mail delivered three times makes one ticket, and every copy leaves the inbox', async () => {
  const u = USERS[1]!;
  const channelId = await publishChannel(stack, channelInput(u));
  await stack.settle(30_000);
  const raw = rfc822({ subject: 'VPN drops every hour', messageId: '<vpn-1@client.example.org>' });
  for (let i = 0; i < 3; i++) await dovecot.append(u.user, 'INBOX', raw);
  await sync(channelId);
  // a queue redelivery of the very same message changes nothing either
  await sync(channelId);

  const made = await tickets(stack, channelId);
  assert.equal(made.length, 1);
  const records = await ledger(stack, channelId);
  assert.equal(records.length, 1);
  assert.equal(records[0]!.duplicates.length, 2, 'the two later copies are recorded as duplicates');
  assert.equal((await dovecot.list(u.user, 'INBOX')).length, 0);
  assert.equal((await dovecot.list(u.user, 'Processed')).length, 3);
});

test('a crash after the ticket is written and before the move: the retry makes no second ticket and moves the mail', async () => {
  const u = USERS[2]!;
  const channelId = await publishChannel(stack, channelInput(u));
  await stack.settle(30_000);
  await dovecot.append(u.user, 'INBOX', rfc822({ subject: 'Printer jam [crash-before-move]', messageId: '<crash-1@client.example.org>' }));
  await sync(channelId);

  const made = await tickets(stack, channelId);
  assert.equal(made.length, 1, 'one ticket, not two');
  const [record] = await ledger(stack, channelId);
  assert.equal(record?.outcome, 'created');
  assert.equal(record?.state, 'done');
  const attempts = (await api<{ attempts: number }>(stack, 'GET', `channels/${channelId}/messages/${record!.id}`)).body.attempts;
  assert.equal(attempts, 2, 'the first attempt crashed, the second finished');
  assert.equal((await dovecot.list(u.user, 'INBOX')).length, 0);
  assert.equal((await dovecot.list(u.user, 'Processed')).length, 1);
  assert.match(stack.logs(), /injected fault at before-move/);
});

test('a mail that fails five times goes to the poison queue, is recorded as failed with the last error, and moves to the fail folder', async () => {
  const u = USERS[3]!;
  const channelId = await publishChannel(stack, channelInput(u));
  await stack.settle(30_000);
  await dovecot.append(u.user, 'INBOX', rfc822({ subject: 'Broken forever [always-fails]', messageId: '<poison-1@client.example.org>' }));
  await sync(channelId);
  await eventually(stack, async () => (await ledger(stack, channelId)).some((r) => r.outcome === 'failed' && r.state === 'done'), 'poisoned mail recorded and moved', 90_000);

  const [record] = await ledger(stack, channelId);
  assert.equal(record?.reasonCode, 'POISON');
  assert.match(record?.reason ?? '', /gave up after 5 attempts: INJECTED_FAULT/);
  assert.equal((await tickets(stack, channelId)).length, 0);
  assert.equal((await dovecot.list(u.user, 'INBOX')).length, 0);
  assert.equal((await dovecot.list(u.user, 'Failed')).length, 1);
});

test('a UIDVALIDITY change makes the folder be read again without duplicating any ticket', async () => {
  const u = USERS[4]!;
  const channelId = await publishChannel(stack, channelInput(u));
  await stack.settle(30_000);
  const first = rfc822({ subject: 'Monitor flickers', messageId: '<flicker-1@client.example.org>' });
  await dovecot.append(u.user, 'INBOX', first);
  await sync(channelId);
  assert.equal((await tickets(stack, channelId)).length, 1);

  // the agent drags the processed mail back into the inbox; then the server renumbers the folder
  await dovecot.append(u.user, 'INBOX', first);
  await dovecot.resetUidValidity(u.user, 'INBOX');
  await dovecot.append(u.user, 'INBOX', rfc822({ subject: 'Keyboard missing keys', messageId: '<keys-1@client.example.org>' }));
  await sync(channelId);

  const made = (await tickets(stack, channelId)).map((t) => t.title).sort();
  assert.deepEqual(made, ['Keyboard missing keys', 'Monitor flickers']);
  assert.equal((await dovecot.list(u.user, 'INBOX')).length, 0);
  const records = await ledger(stack, channelId);
  assert.equal(records.length, 2);
});

test('the dry run shows every stage decision and the ticket a mail would make, with no side effects', async () => {
  const u = USERS[0]!;
  const created = await api<{ id: string }>(stack, 'POST', 'channels', channelInput(u, { name: 'Dry-run desk' }));
  assert.equal(created.status, 201);
  const channelId = created.body.id;
  const eml = rfc822({ subject: 'Dock station [asset NB-0815] flickers', messageId: '<dry-1@client.example.org>', headers: { 'X-Priority': '1 (Highest)' } });
  const res = await fetch(`${stack.baseUrl}/api/channels/${channelId}/dry-run`, {
    method: 'POST',
    headers: { 'x-functions-key': stack.adminKey, 'content-type': 'message/rfc822' },
    body: eml,
  });
  assert.equal(res.status, 200);
  const body = (await res.json()) as {
    outcome: string;
    targetFolder: string;
    decision: { stages: { stage: string; result: { verdict: string } }[] };
    ticket: { id: string; title: string; priority: string; requester: { address: string } };
    classification: { kind: string };
  };
  assert.equal(body.outcome, 'created');
  assert.equal(body.targetFolder, 'Processed');
  assert.equal(body.classification.kind, 'human');
  assert.deepEqual(body.decision.stages.map((s) => s.stage), ['exclusion-folder', 'own-mail-bounce', 'sender-domain', 'machine-mail', 'thread', 'field-mapping', 'attachment-policy', 'auto-response']);
  assert.equal(body.ticket.title, 'Dock station [asset NB-0815] flickers');
  assert.equal(body.ticket.priority, 'high');
  assert.equal(body.ticket.requester.address, 'alice@example.org');

  // no side effects: no ticket, no ledger record
  assert.equal((await tickets(stack, channelId)).length, 0);
  assert.equal((await ledger(stack, channelId)).length, 0);

  const auto = await fetch(`${stack.baseUrl}/api/channels/${channelId}/dry-run`, {
    method: 'POST',
    headers: { 'x-functions-key': stack.adminKey, 'content-type': 'message/rfc822' },
    body: rfc822({ subject: 'Out of Office: back Monday', headers: { 'Auto-Submitted': 'auto-replied' } }),
  });
  const autoBody = (await auto.json()) as { outcome: string; decision: { code: string } };
  assert.equal(autoBody.outcome, 'ignored');
  assert.equal(autoBody.decision.code, 'AUTO_REPLY');

  const wrongType = await fetch(`${stack.baseUrl}/api/channels/${channelId}/dry-run`, {
    method: 'POST',
    headers: { 'x-functions-key': stack.adminKey, 'content-type': 'text/html' },
    body: '<p>not a mail</p>',
  });
  assert.equal(wrongType.status, 415);
});

test('a rejected mail can be retried after the admin fixes the cause: it becomes a ticket and leaves the fail folder', async () => {
  const u = USERS[5]!;
  const channelId = await publishChannel(stack, channelInput(u));
  await stack.settle(30_000);
  await dovecot.append(u.user, 'INBOX', rfc822({ from: 'carol@newpartner.test', subject: 'Onboarding laptops', messageId: '<onb-1@newpartner.test>' }));
  await sync(channelId);
  const [rejected] = await ledger(stack, channelId);
  assert.equal(rejected?.outcome, 'rejected');
  assert.equal((await dovecot.list(u.user, 'Failed')).length, 1);

  const patched = await api(stack, 'PATCH', `channels/${channelId}`, { domains: { allowed: ['example.org', 'newpartner.test'] } });
  assert.equal(patched.status, 200, JSON.stringify(patched.body));
  const retried = await api(stack, 'POST', `channels/${channelId}/messages/${rejected!.id}/retry`);
  assert.equal(retried.status, 202, JSON.stringify(retried.body));
  await stack.settle(60_000);

  const [after] = await ledger(stack, channelId);
  assert.equal(after?.outcome, 'created');
  assert.equal((await tickets(stack, channelId)).length, 1);
  assert.equal((await dovecot.list(u.user, 'Failed')).length, 0);
  assert.equal((await dovecot.list(u.user, 'Processed')).length, 1);
  const one = await api<{ retries: number }>(stack, 'GET', `channels/${channelId}/messages/${rejected!.id}`);
  assert.equal(one.body.retries, 1);
});

test('connecting a mailbox full of old mail makes no tickets from it; importing since a chosen date is an explicit choice, flagged as imported', async () => {
  const days = (n: number) => new Date(Date.now() - n * 24 * 3600 * 1000);
  const [quiet, importing] = [USERS[6]!, USERS[7]!];
  for (const u of [quiet, importing]) {
    await dovecot.append(u.user, 'INBOX', rfc822({ subject: 'Ancient request', messageId: `<old-10-${u.user}>` }), [], days(10));
    await dovecot.append(u.user, 'INBOX', rfc822({ subject: 'Recent request', messageId: `<old-2-${u.user}>` }), [], days(2));
  }
  const quietId = await publishChannel(stack, channelInput(quiet));
  const importId = await publishChannel(stack, channelInput(importing, { import: { mode: 'since', since: days(5).toISOString() } }));
  await stack.settle(30_000);
  await dovecot.append(quiet.user, 'INBOX', rfc822({ subject: 'Fresh request', messageId: '<fresh-1@client.example.org>' }));
  await sync(quietId);
  await sync(importId);

  assert.deepEqual((await tickets(stack, quietId)).map((t) => t.title), ['Fresh request'], 'only mail after publishing');
  assert.equal((await dovecot.list(quiet.user, 'INBOX')).length, 2, 'old mail is left where it was');

  assert.deepEqual((await tickets(stack, importId)).map((t) => t.title), ['Recent request'], 'mail since the chosen date, not before');
  const [imported] = await ledger(stack, importId);
  assert.equal((imported as unknown as { imported: boolean }).imported, true);
  assert.equal((await dovecot.list(importing.user, 'INBOX')).length, 1);
});

test('attachments are stored with the ticket and downloadable from its link; a blocked type is listed with its reason and not stored', async () => {
  const u = USERS[8]!;
  const channelId = await publishChannel(stack, channelInput(u));
  await stack.settle(30_000);
  const pdf = Buffer.concat([Buffer.from('%PDF-1.4\n'), Buffer.alloc(3000, 7)]);
  const exe = Buffer.from('MZ fake executable');
  const boundary = 'b1_attachments';
  const raw = Buffer.from(
    [
      'From: Alice Example <alice@example.org>', 'To: desk@example.com', 'Subject: Invoice and tool', 'Message-ID: <att-1@client.example.org>',
      'MIME-Version: 1.0', `Content-Type: multipart/mixed; boundary="${boundary}"`, '',
      `--${boundary}`, 'Content-Type: text/plain; charset=utf-8', '', 'See attached.', '',
      `--${boundary}`, 'Content-Type: application/pdf; name="invoice.pdf"', 'Content-Disposition: attachment; filename="invoice.pdf"', 'Content-Transfer-Encoding: base64', '', pdf.toString('base64'), '',
      `--${boundary}`, 'Content-Type: application/octet-stream; name="tool.exe"', 'Content-Disposition: attachment; filename="tool.exe"', 'Content-Transfer-Encoding: base64', '', exe.toString('base64'), '',
      `--${boundary}--`, '',
    ].join('\r\n'),
  );
  await dovecot.append(u.user, 'INBOX', raw);
  await sync(channelId);

  const [ticket] = (await api<{ items: { id: string; attachments: { filename: string; href?: string; blocked?: string; size: number }[] }[] }>(stack, 'GET', `tickets?channelId=${channelId}`)).body.items;
  assert.ok(ticket, 'one ticket');
  const [inv, tool] = ticket.attachments;
  assert.equal(inv?.filename, 'invoice.pdf');
  assert.equal(inv?.size, pdf.length);
  assert.ok(inv?.href, 'a stored attachment has a link');
  const download = await fetch(`${stack.baseUrl}${inv.href}`, { headers: { 'x-functions-key': stack.adminKey } });
  assert.equal(download.status, 200);
  assert.equal(download.headers.get('content-type'), 'application/pdf');
  assert.match(download.headers.get('content-disposition') ?? '', /^attachment; filename="?invoice\.pdf"?$/);
  assert.ok(Buffer.from(await download.arrayBuffer()).equals(pdf), 'the same bytes come back');
  assert.equal(tool?.filename, 'tool.exe');
  assert.match(tool?.blocked ?? '', /\.exe is blocked/);
  assert.equal(tool?.href, undefined);
  const blocked = await fetch(`${stack.baseUrl}/api/tickets/${ticket.id}/attachments/1`, { headers: { 'x-functions-key': stack.adminKey } });
  assert.equal(blocked.status, 410);
  const anonymous = await fetch(`${stack.baseUrl}${inv.href}`);
  assert.equal(anonymous.status, 401);

  // the complete original is linked from the ticket: the same bytes, as a download
  const originalHref = (ticket as { originalHref?: string }).originalHref;
  assert.ok(originalHref, 'the ticket links its original mail');
  const original = await fetch(`${stack.baseUrl}${originalHref}`, { headers: { 'x-functions-key': stack.adminKey } });
  assert.equal(original.status, 200);
  assert.equal(original.headers.get('content-type'), 'message/rfc822');
  assert.match(original.headers.get('content-disposition') ?? '', /^attachment;/);
  assert.equal(original.headers.get('x-content-type-options'), 'nosniff');
  assert.ok(Buffer.from(await original.arrayBuffer()).equals(raw), 'the stored original is the mail as it arrived');
  assert.equal((await fetch(`${stack.baseUrl}${originalHref}`)).status, 401);
});

test('a ticket the ticketing side refuses for good is a recorded rejection in the fail folder, not five retries', async () => {
  const u = USERS[9]!;
  const channelId = await publishChannel(stack, channelInput(u));
  await stack.settle(30_000);
  // an address longer than the ticketing side accepts for a requester (320 characters)
  const longSender = `${'a'.repeat(330)}@example.org`;
  await dovecot.append(u.user, 'INBOX', rfc822({ from: longSender, subject: 'Very long sender', messageId: '<long-1@example.org>' }));
  await sync(channelId);

  const [record] = await ledger(stack, channelId);
  assert.equal(record?.outcome, 'rejected');
  assert.equal(record?.reasonCode, 'TICKET_REJECTED');
  assert.match(record?.reason ?? '', /requester\.email/);
  const one = await api<{ attempts: number }>(stack, 'GET', `channels/${channelId}/messages/${record!.id}`);
  assert.equal(one.body.attempts, 1);
  assert.equal((await tickets(stack, channelId)).length, 0);
  assert.equal((await dovecot.list(u.user, 'Failed')).length, 1);
});
