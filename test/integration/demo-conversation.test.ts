import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { simpleParser, type ParsedMail } from 'mailparser';
import nodemailer from 'nodemailer';
import { DEMO_CHANNEL_REVISION } from '../../devhost/demo/demo-channel';
import { demoFiles } from '../../devhost/demo';
import type { DemoMessage } from '../../devhost/demo/demo-web';
import { sendTestMail } from '../../devhost/demo/send-test';
import { DEFAULT_TOKEN_FORMAT, findTokens } from '../../shared/threading/ticket-token';
import { interrupt, startNpmStart, type RunningStart } from '../support/npm-start';
import { replyTo } from '../support/reply-world';

/**
 * The whole demo conversation of `npm start`, as a newcomer would hold it, on a data folder
 * whose demo channel an older version made (no whitelist): the start brings the channel up
 * to date through the admin API; a mail over the SMTP intake makes a ticket and its
 * acknowledgement lands in the sender's demo inbox with the ticket's token; the sender's
 * reply to it (over the SMTP intake) is a note on the same ticket with the quote cut; an
 * agent's reply through the admin API lands in the sender's demo inbox.
 */
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'demo-conversation-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));
const running: RunningStart[] = [];
after(async () => {
  for (const r of running) await interrupt(r);
});

async function start(dir: string): Promise<RunningStart> {
  const r = await startNpmStart(dir);
  running.push(r);
  return r;
}

async function stop(r: RunningStart): Promise<void> {
  assert.equal(await interrupt(r), 0, r.out());
  running.splice(running.indexOf(r), 1);
}

async function admin<T>(r: RunningStart, method: string, route: string, body?: unknown): Promise<{ status: number; body: T }> {
  const res = await fetch(`${r.hostUrl}/api/${route}`, {
    method,
    headers: { 'x-functions-key': r.adminKey, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : {}) as T };
}

async function until<T>(what: string, r: RunningStart, probe: () => Promise<T | undefined>, timeoutMs = 90_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const got = await probe();
    if (got !== undefined) return got;
    if (Date.now() > deadline) assert.fail(`${what}: not after ${timeoutMs} ms\n${r.out().slice(-4000)}`);
    await new Promise((res) => setTimeout(res, 300));
  }
}

const demoInfo = (r: RunningStart) => ({
  channelId: r.grab(/demo mailbox\s+helpdesk@demo\.test\s+channel (\S+)/),
  smtpPort: Number(r.grab(/any SMTP client: 127\.0\.0\.1:(\d+)/)),
  web: r.grab(/demo inboxes\s+(http:\/\/\S+?)\/demo\//),
});

async function inbox(web: string, address: string, folder = 'Inbox'): Promise<DemoMessage[]> {
  const res = await fetch(`${web}/demo/mailboxes/${encodeURIComponent(address)}/messages?folder=${encodeURIComponent(folder)}`);
  if (res.status === 404) return [];
  return ((await res.json()) as { items: DemoMessage[] }).items;
}

async function rawOf(web: string, address: string, id: string): Promise<ParsedMail> {
  const res = await fetch(`${web}/demo/mailboxes/${encodeURIComponent(address)}/messages/${encodeURIComponent(id)}/raw`);
  assert.equal(res.status, 200);
  return simpleParser(Buffer.from(await res.arrayBuffer()));
}

interface TicketRead { id: string; number?: number; title: string; notes: { id: string; direction: string; text: string; author: { email: string } }[] }
interface ChannelRead { ticketMapping: { templateId: string; whitelist: string[] } }

test('a demo channel made before replies were whitelisted is brought up to date at start; then mail → ticket → acknowledgement with token → the reply is a note, quote cut → an agent reply lands in the sender’s demo inbox', async () => {
  const dir = path.join(tmp, 'older');
  const markerFile = demoFiles(path.join(dir, 'data')).channelMarker;

  // What an older npm start left behind: a published demo channel without a whitelist, and a marker without a revision.
  const first = await start(dir);
  const { channelId } = demoInfo(first);
  // Subscribed before start says it is up: a mail sent at once is announced to the host, not left for the next poll.
  assert.match(first.out(), /channel \S+ \(published, just created, subscribed to new mail\)/);
  const made = await admin<ChannelRead>(first, 'GET', `channels/${channelId}`);
  assert.deepEqual(made.body.ticketMapping.whitelist, ['it-support'], 'made now, it is whitelisted from the start');
  const older = await admin<ChannelRead>(first, 'PATCH', `channels/${channelId}`, { ticketMapping: { whitelist: [] } });
  assert.equal(older.status, 200, JSON.stringify(older.body));
  await stop(first);
  const marker = JSON.parse(fs.readFileSync(markerFile, 'utf8')) as Record<string, unknown>;
  assert.equal(marker.revision, DEMO_CHANNEL_REVISION);
  delete marker.revision;
  fs.writeFileSync(markerFile, JSON.stringify(marker));

  const r = await start(dir);
  const demo = demoInfo(r);
  assert.equal(demo.channelId, channelId);
  assert.match(r.out(), /channel \S+ \(published, updated: replies to its tickets now become notes, subscribed to new mail\)/);
  assert.deepEqual((await admin<ChannelRead>(r, 'GET', `channels/${channelId}`)).body.ticketMapping.whitelist, ['it-support']);
  assert.equal((JSON.parse(fs.readFileSync(markerFile, 'utf8')) as { revision?: number }).revision, DEMO_CHANNEL_REVISION, 'upgraded once');

  // 1. A mail over the SMTP intake → a ticket.
  const customer = 'dana@example.net';
  const subject = 'Demo: the docking station drops the screen';
  await sendTestMail({ port: demo.smtpPort, from: customer, subject, body: 'Hello,\n\nthe docking station drops the second screen every hour.\n\nDana\n' });
  const ticket = await until('the ticket', r, async () => {
    const { body } = await admin<{ items: TicketRead[] }>(r, 'GET', `tickets?channelId=${encodeURIComponent(channelId)}`);
    return body.items.find((t) => t.title === subject);
  });
  const read = async () => (await admin<TicketRead>(r, 'GET', `tickets/${encodeURIComponent(ticket.id)}`)).body;
  const number = (await read()).number;

  // 2. The acknowledgement, with the ticket's token, in the sender's demo inbox.
  const [ackItem] = await until('the acknowledgement', r, async () => {
    const items = await inbox(demo.web, customer);
    return items.length > 0 ? items : undefined;
  });
  assert.ok(ackItem);
  const ack = await rawOf(demo.web, customer, ackItem.id);
  assert.equal(ack.from?.value[0]?.address, 'helpdesk@demo.test');
  assert.equal(findTokens(DEFAULT_TOKEN_FORMAT, ack.subject ?? '')[0]?.ticketNumber, number, `the token of ticket ${number} in "${ack.subject}"`);

  // 3. The sender answers it, quoting it, over the SMTP intake → a note on the same ticket, the quote cut.
  const answer = replyTo(ack, { from: customer, to: 'helpdesk@demo.test', text: 'It happens only on battery.\n\nDana' });
  const transport = nodemailer.createTransport({ host: '127.0.0.1', port: demo.smtpPort, secure: false, ignoreTLS: true });
  try {
    await transport.sendMail({ envelope: { from: customer, to: ['helpdesk@demo.test'] }, raw: answer.raw });
  } finally {
    transport.close();
  }
  const note = await until('the note', r, async () => (await read()).notes.find((n) => n.direction === 'inbound' && n.author.email === customer));
  assert.equal(note.text.trim(), 'It happens only on battery.\n\nDana', 'the new text only');
  for (const quoted of ['wrote:', 'docking station drops']) assert.ok(!note.text.includes(quoted), `no "${quoted}" in the note`);
  const { body: all } = await admin<{ items: TicketRead[] }>(r, 'GET', `tickets?channelId=${encodeURIComponent(channelId)}`);
  assert.equal(all.items.filter((t) => t.title.includes('docking station')).length, 1, 'no second ticket');
  assert.deepEqual((await inbox(demo.web, 'helpdesk@demo.test', 'Failed')).map((m) => m.subject), [], 'nothing in the fail folder');

  // 4. An agent replies through the admin API → the mail lands in the sender's demo inbox.
  const sent = await admin<{ messageId: string }>(r, 'POST', `tickets/${encodeURIComponent(ticket.id)}/reply`, { text: 'Hello Dana,\n\na new power supply is on its way.\n\nSam' });
  assert.equal(sent.status, 202, JSON.stringify(sent.body));
  const agentMail = await until('the agent reply', r, async () => {
    for (const m of await inbox(demo.web, customer)) {
      if (m.id === ackItem.id) continue;
      const parsed = await rawOf(demo.web, customer, m.id);
      if ((parsed.text ?? '').includes('a new power supply is on its way')) return parsed;
    }
    return undefined;
  });
  assert.equal(agentMail.from?.value[0]?.address, 'helpdesk@demo.test');
  assert.equal(findTokens(DEFAULT_TOKEN_FORMAT, agentMail.subject ?? '')[0]?.ticketNumber, number);
  await stop(r);
});
