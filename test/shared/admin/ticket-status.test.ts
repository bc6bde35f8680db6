import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import { ticketMailDeps } from '../../../shared/admin/ticket-mail';
import { notificationOutboxId } from '../../../shared/admin/ticket-patch';
import { patchTicketStatus } from '../../../shared/admin/ticket-status';
import { deleteChannelRecord } from '../../../shared/store/channel-repository';
import { PreconditionFailedError } from '../../../shared/store/errors';
import { readOutbox } from '../../../shared/store/outbox';
import { lookupMessageIds } from '../../../shared/store/thread-index';
import { getTicket } from '../../../shared/tickets/tickets';
import { crashingAt, InjectedCrash, startTicketMailWorld, type TicketMailWorld } from './ticket-mail-world';

/**
 * The status change and its notification on real parts (Cosmos emulator, Azurite), with a
 * crash injected at each step, then the same PATCH again: the notification is queued once,
 * and never without the status change it tells of.
 */
let world: TicketMailWorld;
before(async () => {
  world = await startTicketMailWorld();
});
after(async () => {
  await world?.stop();
});

async function closedOutboxId(ticketId: string): Promise<string> {
  const t = (await getTicket(ticketId))!;
  return notificationOutboxId(t.id, t.status, t.closedAt);
}

it('resolved: the ticket is resolved with closedAt and its number, the notification queued once, its Message-ID in the thread index', async () => {
  const { ticketId, channelId } = await world.ticket();
  const r = await patchTicketStatus(ticketId, { status: 'resolved' }, undefined, ticketMailDeps());
  assert.equal(r.ticket.status, 'resolved');
  assert.ok(r.ticket.closedAt && r.ticket.number);
  assert.ok(r.notification?.sent);
  assert.equal(r.notification.outboxId, await closedOutboxId(ticketId));
  assert.equal(await world.queued(r.notification.outboxId), 1);
  const record = (await readOutbox(channelId, r.notification.outboxId))!.record;
  assert.equal(record.purpose, 'notification');
  assert.equal(record.mail.headers?.['Auto-Submitted'], 'auto-generated');
  assert.equal(record.mail.inReplyTo, '<printer-3@client.example.org>');
  assert.equal((await lookupMessageIds(channelId, [record.messageId]))[0]?.kind, 'sent');
  assert.equal(r.etag, (await ticketMailDeps().readTicketWithEtag(ticketId))?.etag, 'the answer carries the new ETag');
});

it('a crash before the ticket write: the status is unchanged and nothing is queued; the repeat resolves and queues one notification', async () => {
  const { ticketId } = await world.ticket();
  await assert.rejects(patchTicketStatus(ticketId, { status: 'resolved' }, undefined, crashingAt('replaceTicket')), InjectedCrash);
  assert.equal((await getTicket(ticketId))?.status, 'new');
  const r = await patchTicketStatus(ticketId, { status: 'resolved' }, undefined, ticketMailDeps());
  assert.ok(r.notification?.sent && r.notification.created);
  assert.equal(await world.queued(r.notification.outboxId), 1);
});

for (const step of ['recordSentMessageId', 'enqueue'] as const) {
  it(`a crash at ${step} (after the ticket write): the repeated PATCH finds the notification of that change and queues it once`, async () => {
    const { ticketId } = await world.ticket();
    await assert.rejects(patchTicketStatus(ticketId, { status: 'closed' }, undefined, crashingAt(step)), InjectedCrash);
    assert.equal((await getTicket(ticketId))?.status, 'closed');
    const outboxId = await closedOutboxId(ticketId);
    assert.equal(await world.queued(outboxId), 0, 'nothing queued yet');
    const r = await patchTicketStatus(ticketId, { status: 'closed' }, undefined, ticketMailDeps());
    assert.deepEqual([r.notification?.sent, r.notification?.sent && r.notification.outboxId, r.notification?.sent && r.notification.created], [true, outboxId, false]);
    assert.equal(await world.queued(outboxId), 1);
  });
}

it('resolved, reopened, resolved again: two closings, two notifications', async () => {
  const { ticketId } = await world.ticket();
  const first = await patchTicketStatus(ticketId, { status: 'resolved' }, undefined, ticketMailDeps());
  await patchTicketStatus(ticketId, { status: 'open' }, undefined, ticketMailDeps());
  const second = await patchTicketStatus(ticketId, { status: 'resolved' }, undefined, ticketMailDeps());
  assert.ok(first.notification?.sent && second.notification?.sent);
  assert.notEqual(first.notification.outboxId, second.notification.outboxId);
});

it('If-Match: the current ETag passes, an old one is refused before anything is written', async () => {
  const { ticketId } = await world.ticket();
  const { etag } = (await ticketMailDeps().readTicketWithEtag(ticketId))!;
  const r = await patchTicketStatus(ticketId, { status: 'pending' }, [etag], ticketMailDeps());
  assert.equal(r.ticket.status, 'pending');
  assert.equal(r.notification, undefined, 'pending is not notified');
  await assert.rejects(patchTicketStatus(ticketId, { status: 'closed' }, [etag], ticketMailDeps()), PreconditionFailedError);
  assert.equal((await getTicket(ticketId))?.status, 'pending');
});

it('a ticket whose channel was deleted: the status changes, the answer says why no notification went out', async () => {
  const { ticketId, channelId } = await world.ticket();
  await deleteChannelRecord(channelId);
  const r = await patchTicketStatus(ticketId, { status: 'closed' }, undefined, ticketMailDeps());
  assert.equal(r.ticket.status, 'closed');
  assert.deepEqual(r.notification?.sent === false && r.notification.suppression.code, 'CHANNEL_NOT_FOUND');
});
