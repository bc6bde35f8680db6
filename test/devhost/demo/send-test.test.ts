import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { startGraphSimulator, type GraphSimulator } from '../../../devhost/graph-simulator';
import { runSendTest } from '../../../devhost/demo/send-test';
import { startSmtpIntake, type SmtpIntake } from '../../../devhost/demo/smtp-intake';
import { freePort } from '../../../devhost/ports';

/** `mail-channel send-test` against a real intake and simulator. */
function io() {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d: Buffer) => (out += d.toString()));
  stderr.on('data', (d: Buffer) => (err += d.toString()));
  return { stdout, stderr, out: () => out, err: () => err };
}

describe('mail-channel send-test', () => {
  let sim: GraphSimulator;
  let intake: SmtpIntake;
  before(async () => {
    sim = await startGraphSimulator({ mailboxes: ['helpdesk@demo.test'] });
    intake = await startSmtpIntake({ port: 0, deliver: async (mb, raw) => void (await sim.deliver(mb, 'Inbox', raw)) });
  });
  after(async () => {
    await intake.stop();
    await sim.stop();
  });

  it('sends a sample mail to the demo channel, from and with the subject given, and prints its Message-ID (exit 0)', async () => {
    const t = io();
    const code = await runSendTest(['--port', String(intake.port), '--from', 'bob@contoso.example', '--subject', 'VPN drops'], t);
    assert.equal(code, 0, t.err());
    const [m] = sim.folderMessages('helpdesk@demo.test', 'Inbox');
    assert.deepEqual([m?.subject, m?.from], ['VPN drops', 'bob@contoso.example']);
    assert.ok(m?.internetMessageId && t.out().includes(m.internetMessageId), t.out());
  });

  it('a refused recipient exits 1 with the server\'s answer', async () => {
    const t = io();
    assert.equal(await runSendTest(['--port', String(intake.port), '--to', 'someone@gmail.com'], t), 1);
    assert.match(t.err(), /550 5\.7\.1 .*relaying denied/);
  });

  it('no intake listening exits 1 and asks whether npm start runs with the demo on', async () => {
    const t = io();
    assert.equal(await runSendTest(['--port', String(await freePort())], t), 1);
    assert.match(t.err(), /is `npm start` running with the demo on\?/);
  });

  it('a bad option or value exits 2 with the usage', async () => {
    for (const argv of [['--to', 'not-an-address'], ['--port', 'abc'], ['--colour', 'red']]) {
      const t = io();
      assert.equal(await runSendTest(argv, t), 2, argv.join(' '));
      assert.match(t.err(), /usage: mail-channel send-test/);
    }
  });
});
