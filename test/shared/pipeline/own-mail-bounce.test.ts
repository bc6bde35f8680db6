import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { useEmulatorEnv, type EmulatorEnv } from '../store/emulator-env';
import { inbound, pipelineHarness, queued } from '../../support/pipeline-harness';
import { rfc822 } from '../../support/mail-e2e';
import { postfixBounce } from '../../support/bounce-mail';
import { readOutbox } from '../../../shared/store/outbox';
import { getTicket } from '../../../shared/tickets/tickets';

/**
 * A bounce of our acknowledgement, through the pipeline on the real ledger, thread index,
 * outbox and tickets: marked on the outbox record and the ticket, no ticket of its own, no
 * answer — also when the channel accepts machine mail and the bounce's domain is not allowed.
 */
let env: EmulatorEnv;
before(async () => {
  env = await useEmulatorEnv();
});
after(async () => {
  await env.stop();
});

for (const setting of [{ name: 'the default channel', accepts: false }, { name: 'a channel that accepts machine mail and only its own domain', accepts: true }]) {
  test(`a bounce of our acknowledgement is marked on its outbox record and ticket, and makes no ticket and no answer (${setting.name})`, async () => {
    const h = pipelineHarness();
    if (setting.accepts) Object.assign(h.channel.domains, { allowed: ['example.org'], excludeAutoReplies: false });
    const first = h.mailbox.append('INBOX', rfc822({ subject: 'Printer', from: 'Ann <ann@example.org>', messageId: '<ask-1@example.org>' }), '<ask-1@example.org>');
    const made = await h.deliver(queued(inbound(h, first, '<ask-1@example.org>')));
    assert.equal(made.status === 'done' && made.outcome, 'created');
    const ack = h.outbox[0];
    assert.ok(ack, 'the acknowledgement went to the outbox');

    const bounce = h.mailbox.append('INBOX', postfixBounce({ originalId: ack.messageId, recipient: 'ann@example.org', to: 'desk@example.com', originalFrom: 'Service desk <desk@example.com>', originalSubject: '[#T-000001-abcdefgh] Re: Printer' }));
    const msg = queued(inbound(h, bounce));
    const result = await h.deliver(msg);
    assert.equal(result.status === 'done' && result.outcome, 'ignored');
    const record = (await h.records()).find((r) => r.reasonCode === 'OWN_MAIL_BOUNCED');
    assert.ok(record, 'the ledger says why');
    assert.equal(record.ticketId, ack.ticketId);
    assert.equal(h.mailbox.list('Processed').length, 2);

    const ticket = await getTicket(ack.ticketId!);
    assert.match(ticket?.undeliverable?.reason ?? '', /^requester address undeliverable: .*5\.1\.1/);
    assert.equal(ticket?.undeliverable?.outboxId, ack.id);
    const out = await readOutbox(h.channel.id, ack.id);
    assert.equal(out?.record.bounce?.recipient, 'ann@example.org');
    assert.equal((await h.tickets()).length, 1, 'no ticket for the bounce');
    assert.equal(h.outbox.length, 1, 'no answer to the bounce');

    // the same bounce again (a redelivery): nothing more
    await h.deliver(queued(msg.body));
    assert.equal((await h.tickets()).length, 1);
    assert.equal(h.outbox.length, 1);
  });
}
