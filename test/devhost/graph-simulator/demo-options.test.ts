import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startGraphSimulator, type GraphSimulator } from '../../../devhost/graph-simulator';
import { rawRequest, rawToken } from '../../../devhost/graph-simulator/raw-client';
import { freePort } from '../../../devhost/ports';

/** The simulator options npm start's demo mailbox relies on. */
const DESK = 'helpdesk@demo.test';

const mime = (to: string) =>
  [`From: Desk <${DESK}>`, `To: ${to}`, 'Subject: We received your request', `Message-ID: <ack-${Date.now()}@demo.test>`, 'Content-Type: text/plain; charset=utf-8', '', 'Thanks.', ''].join('\r\n');

async function sendMime(sim: GraphSimulator, body: string): Promise<number> {
  const token = await rawToken(sim);
  const r = await rawRequest(sim, `${sim.graphBaseUrl}/users/${encodeURIComponent(DESK)}/sendMail`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'text/plain' },
    body: Buffer.from(body).toString('base64'),
  });
  return r.status;
}

describe('Graph simulator options for the demo mailbox', () => {
  let demo: GraphSimulator;
  let plain: GraphSimulator;
  let port: number;
  before(async () => {
    port = await freePort();
    demo = await startGraphSimulator({ port, mailboxes: [DESK], createRecipientMailboxes: true });
    plain = await startGraphSimulator({ mailboxes: [DESK] });
  });
  after(async () => {
    await Promise.all([demo.stop(), plain.stop()]);
  });

  it('listens on the port it is given, so a stored channel still reaches it after a restart', () => {
    assert.equal(demo.port, port);
    assert.equal(demo.graphBaseUrl, `https://127.0.0.1:${port}/v1.0`);
  });

  it("with createRecipientMailboxes, sendMail makes the recipient's mailbox and puts the mail in its Inbox, whatever the domain", async () => {
    assert.equal(await sendMime(demo, mime('Alice <Alice@Example.org>')), 202);
    assert.deepEqual(demo.mailboxAddresses(), ['alice@example.org', DESK]);
    const inbox = demo.folderMessages('alice@example.org', 'Inbox');
    assert.equal(inbox.length, 1);
    assert.equal(inbox[0]!.subject, 'We received your request');
    assert.equal(inbox[0]!.from, DESK);
    assert.deepEqual(inbox[0]!.to, ['Alice@Example.org']);
    assert.deepEqual(demo.sentMail.at(-1)!.deliveredTo, ['alice@example.org']);
  });

  it('without it, a recipient that is no mailbox of the simulator gets nothing (it left the tenant)', async () => {
    assert.equal(await sendMime(plain, mime('alice@example.org')), 202);
    assert.deepEqual(plain.mailboxAddresses(), [DESK]);
    assert.deepEqual(plain.sentMail.at(-1)!.deliveredTo, []);
  });
});
