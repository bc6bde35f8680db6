import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import type { DemoMessage } from '../../devhost/demo/demo-web';
import { sendTestMail } from '../../devhost/demo/send-test';
import { interrupt, startNpmStart, type RunningStart } from '../support/npm-start';

/**
 * The demo mailbox of `npm start`, end to end as a newcomer meets it: npm start (child
 * process, free ports, throwaway data dir) brings up the simulator, the SMTP intake and a
 * published demo channel; a mail sent over SMTP becomes a ticket seen through the admin
 * API; a restart keeps the demo inbox and the channel; `--no-demo` has none of it.
 */
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'demo-mailbox-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));
const running: RunningStart[] = [];
after(async () => {
  for (const r of running) await interrupt(r);
});

async function start(dir: string, extra: string[] = []): Promise<RunningStart> {
  const r = await startNpmStart(dir, extra);
  running.push(r);
  return r;
}

async function admin<T>(r: RunningStart, route: string): Promise<T> {
  const res = await fetch(`${r.hostUrl}/api/${route}`, { headers: { 'x-functions-key': r.adminKey } });
  assert.equal(res.status, 200, `${route}: ${await res.clone().text()}`);
  return (await res.json()) as T;
}

interface Ticket { id: string; title: string }

async function waitForTicket(r: RunningStart, channelId: string, title: string, timeoutMs = 120_000): Promise<Ticket> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { items } = await admin<{ items: Ticket[] }>(r, `tickets?channelId=${encodeURIComponent(channelId)}`);
    const t = items.find((x) => x.title === title);
    if (t) return t;
    if (Date.now() > deadline) assert.fail(`no ticket "${title}" after ${timeoutMs} ms\n${r.out().slice(-4000)}`);
    await new Promise((res) => setTimeout(res, 500));
  }
}

const demoInfo = (r: RunningStart) => ({
  channelId: r.grab(/demo mailbox\s+helpdesk@demo\.test\s+channel (\S+)/),
  smtpPort: Number(r.grab(/any SMTP client: 127\.0\.0\.1:(\d+)/)),
  web: r.grab(/demo inboxes\s+(http:\/\/\S+?)\/demo\//),
});

async function demoMessages(web: string, address: string, folder: string): Promise<DemoMessage[]> {
  const res = await fetch(`${web}/demo/mailboxes/${encodeURIComponent(address)}/messages?folder=${encodeURIComponent(folder)}`);
  if (res.status === 404) return [];
  return ((await res.json()) as { items: DemoMessage[] }).items;
}

/** The messages of a demo folder once there are at least `count`. */
async function eventuallyMessages(web: string, address: string, folder: string, count: number, timeoutMs = 60_000): Promise<DemoMessage[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const messages = await demoMessages(web, address, folder);
    if (messages.length >= count || Date.now() > deadline) return messages;
    await new Promise((res) => setTimeout(res, 250));
  }
}

/** The subjects in a demo folder once `expected` are all there (the host works in the background). */
async function eventuallySubjects(web: string, address: string, folder: string, expected: string[], timeoutMs = 60_000): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const subjects = (await demoMessages(web, address, folder)).map((m) => m.subject ?? '');
    if (expected.every((e) => subjects.includes(e)) || Date.now() > deadline) return subjects;
    await new Promise((res) => setTimeout(res, 250));
  }
}

test("npm start runs a demo mailbox: a mail sent over SMTP to helpdesk@demo.test becomes a ticket and its acknowledgement lands in the sender's demo inbox; other domains are refused; a restart keeps the inbox and the channel", async () => {
  const dir = path.join(tmp, 'demo');
  const first = await start(dir);
  const demo = demoInfo(first);
  assert.match(first.out(), /channel \S+ \(published, just created, subscribed to new mail\)/);

  const channel = await admin<{ status: string; connection: { protocol: string; username: string }; domains: { allowed: string[] } }>(first, `channels/${demo.channelId}`);
  assert.deepEqual([channel.status, channel.connection.protocol, channel.connection.username, channel.domains.allowed], ['published', 'graph', 'helpdesk@demo.test', []]);

  await sendTestMail({ port: demo.smtpPort, from: 'carol@example.net', subject: 'Demo: the monitor flickers' });
  await waitForTicket(first, demo.channelId, 'Demo: the monitor flickers');
  assert.deepEqual(await eventuallySubjects(demo.web, 'helpdesk@demo.test', 'Processed', ['Demo: the monitor flickers']), ['Demo: the monitor flickers']);
  assert.deepEqual(await demoMessages(demo.web, 'helpdesk@demo.test', 'Inbox'), []);
  // The channel's acknowledgement goes out through Graph sendMail and lands in the sender's demo inbox.
  const [ack] = await eventuallyMessages(demo.web, 'carol@example.net', 'Inbox', 1);
  assert.match(ack?.subject ?? '', /Re: Demo: the monitor flickers$/);
  assert.equal(ack?.from, 'helpdesk@demo.test');
  assert.deepEqual(ack?.to, ['carol@example.net']);

  await assert.rejects(sendTestMail({ port: demo.smtpPort, to: 'someone@gmail.com' }), (err: Error & { responseCode?: number }) => err.responseCode === 550);

  assert.equal(await interrupt(first), 0, first.out());
  running.splice(running.indexOf(first), 1);

  // Same data folder; with free ports the simulator comes back on another port: the channel follows it.
  const second = await start(dir);
  const again = demoInfo(second);
  assert.equal(again.channelId, demo.channelId, 'the demo channel is not made twice');
  assert.match(second.out(), /restored \d+ demo mail\(s\)/);
  assert.deepEqual((await demoMessages(again.web, 'helpdesk@demo.test', 'Processed')).map((m) => m.subject), ['Demo: the monitor flickers']);
  await sendTestMail({ port: again.smtpPort, from: 'carol@example.net', subject: 'Demo: and the keyboard too' });
  await waitForTicket(second, demo.channelId, 'Demo: and the keyboard too');
  const { items } = await admin<{ items: Ticket[] }>(second, 'channels');
  assert.equal(items.length, 1, 'one channel, the demo one');
  assert.equal(await interrupt(second), 0, second.out());
  running.splice(running.indexOf(second), 1);
});

test('npm start -- --no-demo starts no simulator, no SMTP intake and makes no demo channel; where one was made before, it says so', async () => {
  const dir = path.join(tmp, 'no-demo');
  const r = await start(dir, ['--no-demo']);
  assert.match(r.out(), /demo mailbox\s+off \(--no-demo\)/);
  assert.doesNotMatch(r.out(), /send a test mail|Microsoft Graph\s+https/);
  assert.deepEqual((await admin<{ items: unknown[] }>(r, 'channels')).items, []);
  assert.deepEqual(fs.readdirSync(path.join(dir, 'data')).filter((f) => f.startsWith('demo-')), []);
  assert.equal(await interrupt(r), 0, r.out());
  running.splice(running.indexOf(r), 1);

  // A data folder where the demo channel was made (the first test's): --no-demo says what becomes of it.
  const earlier = await start(path.join(tmp, 'demo'), ['--no-demo']);
  assert.match(earlier.out(), /demo mailbox\s+off \(--no-demo\); the demo channel made earlier stays published and its syncs fail while the demo is off/);
  assert.equal(await interrupt(earlier), 0, earlier.out());
  running.splice(running.indexOf(earlier), 1);
});
