import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { startGraphSimulator, type GraphSimulator } from '../../../devhost/graph-simulator';
import { testMail } from '../../../devhost/graph-simulator/channel';
import { startDemoWeb, type DemoWeb } from '../../../devhost/demo/demo-web';
import { startSmtpIntake, type SmtpIntake } from '../../../devhost/demo/smtp-intake';
import { demoMount, demoMountFromEnv, isDemoPath } from '../../../devhost/http/demo-mount';

/** The demo inboxes on the host's origin: a real demo web endpoint behind the mount, reached only with the admin key. */
const KEY = 'admin-key-for-the-demo-mount-test';

describe('demo inboxes on the host origin', () => {
  let sim: GraphSimulator;
  let intake: SmtpIntake;
  let web: DemoWeb;
  let server: http.Server;
  let counting: http.Server;
  let base: string;
  let upstreamCalls = 0;
  before(async () => {
    sim = await startGraphSimulator({ createRecipientMailboxes: true, mailboxes: ['helpdesk@demo.test'] });
    intake = await startSmtpIntake({ port: 0, deliver: async (mb, raw) => void (await sim.deliver(mb, 'Inbox', raw)) });
    web = await startDemoWeb({ sim, smtpPort: intake.port, address: 'helpdesk@demo.test', port: 0, allowedOrigins: [] });
    // counts what reaches the demo, so a refused request is seen not to get there
    counting = http.createServer((req, res) => {
      upstreamCalls++;
      const fwd = http.request(`${web.url}${req.url ?? '/'}`, { method: req.method, headers: req.headers }, (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      });
      req.pipe(fwd);
    });
    await new Promise<void>((r) => counting.listen(0, '127.0.0.1', r));
    const mount = demoMount(`http://127.0.0.1:${(counting.address() as AddressInfo).port}`, { adminApiKey: KEY, trustClientPrincipal: false });
    server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => void mount.handle(req, res, new URL(req.url ?? '/', 'http://127.0.0.1'), Buffer.concat(chunks)));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
    counting.closeAllConnections();
    await new Promise<void>((r) => counting.close(() => r()));
    await web.stop();
    await intake.stop();
    await sim.stop();
  });

  it('refuses a request without the admin key, or with a wrong one, before it reaches the demo', async () => {
    const before = upstreamCalls;
    assert.equal((await fetch(`${base}/demo/mailboxes`)).status, 401);
    assert.equal((await fetch(`${base}/demo/mailboxes`, { headers: { 'x-functions-key': 'wrong' } })).status, 401);
    const post = await fetch(`${base}/demo/send-test`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    assert.equal(post.status, 401);
    assert.equal(upstreamCalls, before);
    assert.equal(sim.folderMessages('helpdesk@demo.test', 'Inbox').length, 0);
  });

  it("with the admin key, reads the inboxes and sends a test mail through the demo's SMTP intake", async () => {
    const headers = { 'x-functions-key': KEY };
    const info = await fetch(`${base}/demo`, { headers });
    assert.equal(info.status, 200, await info.clone().text());
    assert.equal(((await info.json()) as { address: string }).address, 'helpdesk@demo.test');
    const sent = await fetch(`${base}/demo/send-test`, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify({ subject: 'Through the mount' }) });
    assert.equal(sent.status, 202);
    await sim.deliver('carol@example.org', 'Inbox', testMail({ subject: 'For Carol', to: 'carol@example.org' }));
    const list = await fetch(`${base}/demo/mailboxes/carol%40example.org/messages`, { headers: { authorization: `Bearer ${KEY}` } });
    assert.equal(list.status, 200);
    assert.equal(list.headers.get('cache-control'), 'no-store');
    assert.deepEqual(((await list.json()) as { items: { subject: string }[] }).items.map((m) => m.subject), ['For Carol']);
    assert.deepEqual(sim.folderMessages('helpdesk@demo.test', 'Inbox').map((m) => m.subject), ['Through the mount']);
  });

  it('passes only GET and POST', async () => {
    assert.equal((await fetch(`${base}/demo/mailboxes`, { method: 'DELETE', headers: { 'x-functions-key': KEY } })).status, 405);
  });

  it('is mounted only for a demo on loopback http, and only under /demo', () => {
    assert.equal(demoMountFromEnv({ ADMIN_API_KEY: KEY }), undefined);
    assert.equal(demoMountFromEnv({ ADMIN_API_KEY: KEY, DEMO_WEB_URL: 'http://demo.example.com:7080' }), undefined);
    assert.equal(demoMountFromEnv({ ADMIN_API_KEY: KEY, DEMO_WEB_URL: 'https://127.0.0.1:7080' }), undefined);
    assert.equal(demoMountFromEnv({ ADMIN_API_KEY: KEY, DEMO_WEB_URL: 'http://127.0.0.1:7080' })?.target, 'http://127.0.0.1:7080');
    assert.deepEqual(['/demo', '/demo/mailboxes', '/demonstration', '/api/demo'].map(isDemoPath), [true, true, false, false]);
  });
});
