import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startGraphSimulator, type GraphSimulator } from '../../../devhost/graph-simulator';
import { testMail } from '../../../devhost/graph-simulator/channel';
import { startDemoWeb, type DemoMessage, type DemoMessageDetail, type DemoWeb } from '../../../devhost/demo/demo-web';
import { startSmtpIntake, type SmtpIntake } from '../../../devhost/demo/smtp-intake';

/** The demo inboxes over HTTP, on a real simulator and SMTP intake. */
const PAGE = 'http://127.0.0.1:7071';

describe('demo web endpoint', () => {
  let sim: GraphSimulator;
  let intake: SmtpIntake;
  let web: DemoWeb;
  before(async () => {
    sim = await startGraphSimulator({ createRecipientMailboxes: true, mailboxes: ['helpdesk@demo.test'] });
    intake = await startSmtpIntake({ port: 0, deliver: async (mb, raw) => void (await sim.deliver(mb, 'Inbox', raw)) });
    web = await startDemoWeb({ sim, smtpPort: intake.port, address: 'helpdesk@demo.test', port: 0, allowedOrigins: [PAGE] });
  });
  after(async () => {
    await web.stop();
    await intake.stop();
    await sim.stop();
  });

  const get = (path: string, headers: Record<string, string> = {}) => fetch(`${web.url}${path}`, { headers });

  it("lists a mailbox's messages of every folder, newest first, with folder, sender, recipients and preview", async () => {
    await sim.deliver('alice@example.org', 'Inbox', testMail({ subject: 'Older', to: 'alice@example.org', date: new Date(Date.now() - 60_000) }), { receivedAt: new Date(Date.now() - 60_000) });
    await sim.deliver('alice@example.org', 'Sent Items', testMail({ subject: 'Newer', from: 'alice@example.org', to: 'helpdesk@demo.test', body: 'Please help.' }), { isRead: true });
    const res = await get('/demo/mailboxes/Alice%40Example.org/messages');
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('cache-control'), 'no-store');
    const { items } = (await res.json()) as { items: DemoMessage[] };
    assert.deepEqual(items.map((m) => [m.subject, m.folder, m.isRead]), [['Newer', 'Sent Items', true], ['Older', 'Inbox', false]]);
    assert.equal(items[0]!.from, 'alice@example.org');
    assert.deepEqual(items[0]!.to, ['helpdesk@demo.test']);
    assert.equal(items[0]!.bodyPreview, 'Please help.');
    const inboxOnly = (await (await get('/demo/mailboxes/alice@example.org/messages?folder=Inbox')).json()) as { items: DemoMessage[] };
    assert.deepEqual(inboxOnly.items.map((m) => m.subject), ['Older']);
  });

  it('hands out the raw MIME only as a download, never to be rendered', async () => {
    const { items } = (await (await get('/demo/mailboxes/alice@example.org/messages?folder=Inbox')).json()) as { items: (DemoMessage & { id: string })[] };
    const res = await get(`/demo/mailboxes/alice@example.org/messages/${encodeURIComponent(items[0]!.id)}/raw`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'message/rfc822');
    assert.match(res.headers.get('content-disposition') ?? '', /^attachment/);
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
    assert.match(await res.text(), /^From: /);
  });

  it('says where the demo is: the channel address and the SMTP intake', async () => {
    const info = (await (await get('/demo')).json()) as { address: string; smtp: { host: string; port: number }; mailboxes: string[] };
    assert.deepEqual(info.address, 'helpdesk@demo.test');
    assert.deepEqual(info.smtp, { host: '127.0.0.1', port: intake.port });
    assert.ok(info.mailboxes.includes('helpdesk@demo.test'));
  });

  it('lists the mailboxes; an unknown mailbox or message is a 404', async () => {
    const { items } = (await (await get('/demo/mailboxes')).json()) as { items: string[] };
    assert.deepEqual(items, ['alice@example.org', 'helpdesk@demo.test']);
    assert.equal((await get('/demo/mailboxes/nobody@demo.test/messages')).status, 404);
    assert.equal((await get('/demo/mailboxes/alice@example.org/messages/nope/raw')).status, 404);
    assert.equal((await get('/demo/elsewhere')).status, 404);
    assert.equal((await get('/demo/mailboxes/%E0%A4%A/messages')).status, 400, 'a malformed escape is a 400, not a crash');
  });

  it("lets the local host's page read it cross-origin, and no other site", async () => {
    const mine = await get('/demo/mailboxes', { origin: PAGE });
    assert.equal(mine.headers.get('access-control-allow-origin'), PAGE);
    const other = await get('/demo/mailboxes', { origin: 'https://evil.example' });
    assert.equal(other.headers.get('access-control-allow-origin'), null);
  });

  it('POST /demo/send-test sends a sample mail through the SMTP intake into the demo mailbox', async () => {
    const res = await fetch(`${web.url}/demo/send-test`, { method: 'POST', headers: { 'content-type': 'application/json', origin: PAGE }, body: JSON.stringify({ subject: 'From the page' }) });
    assert.equal(res.status, 202);
    const body = (await res.json()) as { messageId: string; to: string };
    assert.equal(body.to, 'helpdesk@demo.test');
    const inbox = sim.folderMessages('helpdesk@demo.test', 'Inbox');
    assert.deepEqual(inbox.map((m) => [m.subject, m.internetMessageId]), [['From the page', body.messageId]]);
    assert.equal(intake.accepted, 1);
  });

  it('POST /demo/send-test takes only JSON (so another site cannot send without the CORS preflight), checks it, and reports a refused recipient', async () => {
    const form = await fetch(`${web.url}/demo/send-test`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: '{}' });
    assert.equal(form.status, 415);
    const bad = await fetch(`${web.url}/demo/send-test`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ to: 'not an address' }) });
    assert.equal(bad.status, 400);
    assert.deepEqual(((await bad.json()) as { issues: { path: string }[] }).issues.map((i) => i.path), ['to']);
    const relay = await fetch(`${web.url}/demo/send-test`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ to: 'someone@gmail.com' }) });
    assert.equal(relay.status, 422);
    assert.match(((await relay.json()) as { message: string }).message, /relaying denied/);
    const preflight = await fetch(`${web.url}/demo/send-test`, { method: 'OPTIONS', headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' } });
    assert.equal(preflight.headers.get('access-control-allow-origin'), null);
  });

  it("gives one message with its text and its HTML body sanitized as the pipeline does (no script, no remote load), for the page's mail frame", async () => {
    const raw = [
      'From: Helpdesk <helpdesk@demo.test>', 'To: bob@example.org', 'Subject: Re: Printer', `Date: ${new Date().toUTCString()}`, 'Message-ID: <ack-1@demo.test>',
      'MIME-Version: 1.0', 'Content-Type: multipart/alternative; boundary="b"', '',
      '--b', 'Content-Type: text/plain; charset=utf-8', '', 'We have your request.', '',
      '--b', 'Content-Type: text/html; charset=utf-8', '', '<p onclick="x()">We have <b>your request</b>.</p><script>alert(1)</script><img src="https://tracker.example/p.gif">', '',
      '--b--', '',
    ].join('\r\n');
    await sim.deliver('bob@example.org', 'Inbox', raw);
    const [listed] = ((await (await get('/demo/mailboxes/bob@example.org/messages')).json()) as { items: DemoMessage[] }).items;
    const res = await get(`/demo/mailboxes/bob@example.org/messages/${encodeURIComponent(listed!.id)}`);
    assert.equal(res.status, 200);
    const detail = (await res.json()) as DemoMessageDetail;
    assert.equal(detail.subject, 'Re: Printer');
    assert.equal(detail.from, listed!.from);
    assert.match(detail.text, /We have your request\./);
    assert.match(detail.html ?? '', /<b>your request<\/b>/);
    assert.doesNotMatch(detail.html ?? '', /script|onclick|tracker\.example/);
    assert.equal((await get('/demo/mailboxes/bob@example.org/messages/nope')).status, 404);
  });
});
