import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { startGraphSimulator } from '../../../devhost/graph-simulator';
import { testMail } from '../../../devhost/graph-simulator/channel';
import { restoreSnapshot, takeSnapshot, writeSnapshot } from '../../../devhost/demo/snapshot';

/** The demo mailboxes survive a restart of npm start: saved from one simulator, restored into the next. */
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'demo-snapshot-'));

test('every message comes back in the same mailbox and folder, with its bytes, receive time and read flag', async (t) => {
  const file = path.join(tmp(), 'demo-mailboxes.json');
  const first = await startGraphSimulator({ mailboxes: ['helpdesk@demo.test', 'empty@demo.test'] });
  t.after(() => first.stop());
  const received = new Date('2026-12-01T10:00:00Z');
  const raw = testMail({ subject: 'Printer jams', messageId: '<jam@example.org>' });
  await first.deliver('helpdesk@demo.test', 'Processed', raw, { receivedAt: received, isRead: true });
  await first.deliver('alice@example.org', 'Inbox', testMail({ subject: 'We are on it' }));
  writeSnapshot(file, takeSnapshot(first));

  const second = await startGraphSimulator();
  t.after(() => second.stop());
  const log: string[] = [];
  assert.equal(await restoreSnapshot(second, file, (m) => log.push(m)), 2);
  assert.deepEqual(log, []);
  assert.deepEqual(second.mailboxAddresses(), ['alice@example.org', 'empty@demo.test', 'helpdesk@demo.test']);
  const [m] = second.folderMessages('helpdesk@demo.test', 'Processed');
  assert.equal(m?.receivedDateTime, '2026-12-01T10:00:00Z');
  assert.equal(m?.isRead, true);
  assert.equal(second.rawMessage('helpdesk@demo.test', m.id)?.toString(), raw);
  assert.deepEqual(second.folderMessages('alice@example.org', 'Inbox').map((x) => x.subject), ['We are on it']);
});

test('no file is an empty start; a damaged file is set aside with a message, not a crash', async (t) => {
  const dir = tmp();
  const file = path.join(dir, 'demo-mailboxes.json');
  const sim = await startGraphSimulator();
  t.after(() => sim.stop());
  assert.equal(await restoreSnapshot(sim, file, () => assert.fail('nothing to say')), 0);
  fs.writeFileSync(file, JSON.stringify({ version: 1, mailboxes: { 'a@demo.test': [{ folder: 'Inbox', receivedDateTime: 'yesterday', isRead: false, rawBase64: '' }] } }));
  const log: string[] = [];
  assert.equal(await restoreSnapshot(sim, file, (m) => log.push(m)), 0);
  assert.match(log.join('\n'), /could not be read \(mailboxes\.a@demo\.test\.0\.receivedDateTime: .*\); moved to demo-mailboxes\.json\.damaged-\d+, starting empty/);
  assert.equal(fs.existsSync(file), false);
  assert.equal(fs.readdirSync(dir).filter((f) => f.startsWith('demo-mailboxes.json.damaged-')).length, 1);
});

test("the channel's change subscription comes back too, on the restored folder, and the next mail is notified to the same URL", async (t) => {
  const received: { subscriptionId: string; clientState: string; resource: string }[] = [];
  const receiver = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      received.push(...(JSON.parse(body) as { value: typeof received }).value);
      res.writeHead(202).end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', () => r()));
  t.after(() => new Promise<void>((r) => receiver.close(() => r())));
  const notificationUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/api/graph/notify`;

  const file = path.join(tmp(), 'demo-mailboxes.json');
  const first = await startGraphSimulator({ mailboxes: ['helpdesk@demo.test'] });
  t.after(() => first.stop());
  const inboxBefore = first.folderId('helpdesk@demo.test', 'Inbox')!;
  first.restoreSubscription({
    id: 'sub-1', resource: `Users/helpdesk@demo.test/mailFolders('${inboxBefore}')/messages`, changeType: 'created', clientState: 'secret-state',
    notificationUrl, expirationDateTime: new Date(Date.now() + 86_400_000).toISOString(), applicationId: first.app.clientId, creatorId: 'c', tenantId: first.app.tenantId,
    mailbox: 'helpdesk@demo.test', folderId: inboxBefore, immutableIds: true,
  });
  writeSnapshot(file, takeSnapshot(first));

  const second = await startGraphSimulator();
  t.after(() => second.stop());
  await restoreSnapshot(second, file, () => undefined);
  const inboxAfter = second.folderId('helpdesk@demo.test', 'Inbox');
  assert.notEqual(inboxAfter, inboxBefore, 'folder ids are new after a restore');
  assert.deepEqual(second.subscriptions().map((s) => [s.id, s.folderId, s.notificationUrl, s.clientState]), [['sub-1', inboxAfter, notificationUrl, 'secret-state']]);
  await second.deliver('helpdesk@demo.test', 'Inbox', testMail({ subject: 'After the restart' }));
  await second.settleNotifications();
  assert.deepEqual(received.map((n) => [n.subscriptionId, n.clientState]), [['sub-1', 'secret-state']]);
});
