import { after, before, describe, it, test } from 'node:test';
import assert from 'node:assert/strict';
import { ticketMailDeps } from '../../../shared/admin/ticket-mail';
import { authorOf, replyToTicket, sendMailRequestBytes, withNumberAndParticipants } from '../../../shared/admin/ticket-reply';
import { withOutboxStates } from '../../../shared/admin/ticket-view';
import { AgentReplyRequest, agentReplyIds, MAX_REPLY_ATTACHMENT_BYTES } from '../../../shared/answers/agent-reply';
import { GRAPH_SENDMAIL_MAX_BYTES } from '../../../shared/outbound/graph-sender';
import { HttpError } from '../../../shared/http/api-error';
import { deleteChannelRecord } from '../../../shared/store/channel-repository';
import { ConflictError } from '../../../shared/store/errors';
import { readOutbox } from '../../../shared/store/outbox';
import { lookupMessageIds } from '../../../shared/store/thread-index';
import { getTicket } from '../../../shared/tickets/tickets';
import { crashingAt, InjectedCrash, startTicketMailWorld, type TicketMailWorld } from './ticket-mail-world';
import { Ticket } from '../../../shared/tickets/ticket';

const ticket = Ticket.parse({
  id: 'T-1',
  templateId: 'it-support',
  channelId: 'ch-1',
  title: 'Printer',
  description: { text: 'broken' },
  requester: { email: 'Jane@example.com' },
  participants: ['bob@example.com'],
  createdAt: '2026-12-01T00:00:00.000Z',
});
const now = new Date('2026-12-06T12:00:00.000Z');

test('the ticket gets its number and the new cc’d people as participants (their answers attach)', () => {
  const next = withNumberAndParticipants(ticket, 42, ['carol@example.com', 'bob+x@example.com', 'jane@example.com', 'carol@example.com'], now)!;
  assert.equal(next.number, 42);
  assert.deepEqual(next.participants, ['bob@example.com', 'carol@example.com']);
  assert.equal(next.updatedAt, now.toISOString());
});

test('nothing new (number stored, everyone known): no write', () => {
  assert.equal(withNumberAndParticipants({ ...ticket, number: 42 }, 42, ['bob@example.com'], now), undefined);
});

test('a stored number is never replaced', () => {
  assert.equal(withNumberAndParticipants({ ...ticket, number: 7 }, 42, ['dave@example.com'], now)?.number, 7);
});

test('the author: as the request names them, else the signed-in admin, else "admin" writing as the channel', () => {
  assert.deepEqual(authorOf({ author: { email: 'agent@desk.example', name: 'Ann Agent' } }, { principalName: 'x@desk.example' }, 'support@desk.example'), { email: 'agent@desk.example', name: 'Ann Agent' });
  assert.deepEqual(authorOf({}, { principalName: 'ann@desk.example' }, 'support@desk.example'), { email: 'ann@desk.example', name: 'ann@desk.example' });
  assert.deepEqual(authorOf({}, { principalName: 'Ann Agent' }, 'support@desk.example'), { email: 'support@desk.example', name: 'Ann Agent' });
  assert.deepEqual(authorOf({}, {}, 'support@desk.example'), { email: 'support@desk.example', name: 'admin' });
});

test('the size Graph’s sendMail would get: a short reply with 2 MiB of attachments fits, the same with 500,000 characters of non-ASCII HTML does not', async () => {
  const attachments = [{ filename: 'a.bin', contentType: 'application/octet-stream', contentBase64: Buffer.alloc(MAX_REPLY_ATTACHMENT_BYTES, 1).toString('base64') }];
  const mail = { from: 'support@desk.example', to: 'jane@example.org', subject: 'Re: Printer', text: 'Fixed.' };
  const small = await sendMailRequestBytes('ch-1', mail, attachments);
  assert.ok(small > (MAX_REPLY_ATTACHMENT_BYTES * 4) / 3 && small <= GRAPH_SENDMAIL_MAX_BYTES, String(small));
  const large = await sendMailRequestBytes('ch-1', { ...mail, html: `<p>${'ü'.repeat(500_000)}</p>` }, attachments);
  assert.ok(large > GRAPH_SENDMAIL_MAX_BYTES, String(large));
});

describe('crash between the steps of a reply (Cosmos emulator, Azurite), then the same request again', () => {
  let world: TicketMailWorld;
  before(async () => {
    world = await startTicketMailWorld();
  });
  after(async () => {
    await world?.stop();
  });

  const request = AgentReplyRequest.parse({ text: 'The printer is fixed.', cc: ['boss@example.org'] });
  const outboundNotes = async (ticketId: string) => ((await getTicket(ticketId))?.notes ?? []).filter((n) => n.direction === 'outbound');

  for (const [step, noteShown] of [['createOutbox', false], ['replaceTicket', false], ['addNote', false], ['recordSentMessageId', true], ['enqueue', true]] as const) {
    it(`a crash at ${step}: nothing queued to send${noteShown ? ', the note shows its mail queued' : ' and no note'}; the repeat sends it once with one note`, async () => {
      const { ticketId, channelId } = await world.ticket();
      const key = `key-${step}`;
      const { outboxId } = agentReplyIds(ticketId, key, () => 'unused');
      await assert.rejects(replyToTicket(ticketId, request, { idempotencyKey: key }, crashingAt(step)), InjectedCrash);
      assert.equal(await world.queued(outboxId), 0, 'no queue message: the mail cannot go out');
      const notes = await outboundNotes(ticketId);
      assert.equal(notes.length, noteShown ? 1 : 0);
      if (noteShown) {
        const view = await withOutboxStates((await getTicket(ticketId))!, readOutbox);
        assert.equal(view.notes.find((n) => n.outboxId === outboxId)?.outbox?.state, 'queued');
      }

      const done = await replyToTicket(ticketId, request, { idempotencyKey: key }, ticketMailDeps());
      assert.equal(done.outboxId, outboxId);
      assert.equal(await world.queued(outboxId), 1, 'one queue message for the record');
      assert.equal((await outboundNotes(ticketId)).length, 1, 'one note');
      assert.equal((await readOutbox(channelId, outboxId))?.record.state, 'queued');
      const entry = (await lookupMessageIds(channelId, [done.messageId]))[0];
      assert.deepEqual([entry?.kind, entry?.ticketId, entry?.outboxId], ['sent', ticketId, outboxId], 'the thread index knows the Message-ID before the mail can go');
      const ticket = (await getTicket(ticketId))!;
      assert.equal(ticket.number, done.ticketNumber);
      assert.deepEqual(ticket.participants, ['boss@example.org']);
    });
  }

  it('without an Idempotency-Key every request is a new reply: two notes, two records, two messages', async () => {
    const { ticketId } = await world.ticket();
    const a = await replyToTicket(ticketId, request, {}, ticketMailDeps());
    const b = await replyToTicket(ticketId, request, {}, ticketMailDeps());
    assert.notEqual(a.outboxId, b.outboxId);
    assert.equal(a.ticketNumber, b.ticketNumber, 'one ticket, one number');
    assert.deepEqual([await world.queued(a.outboxId), await world.queued(b.outboxId)], [1, 1]);
    assert.equal((await outboundNotes(ticketId)).length, 2);
  });

  it('a ticket whose channel was deleted: 409 naming the channel, nothing written', async () => {
    const { ticketId, channelId } = await world.ticket();
    await deleteChannelRecord(channelId);
    await assert.rejects(replyToTicket(ticketId, request, {}, ticketMailDeps()), (err: unknown) => err instanceof ConflictError && err.message.includes(channelId));
    assert.equal((await outboundNotes(ticketId)).length, 0);
  });

  it('a requester that is one of our addresses: 409, nothing written', async () => {
    const { ticketId } = await world.ticket({ requester: 'help@desk.example' });
    await assert.rejects(replyToTicket(ticketId, request, { idempotencyKey: 'own' }, ticketMailDeps()), (err: unknown) => err instanceof HttpError && err.status === 409 && err.error === 'own_address');
    assert.equal((await outboundNotes(ticketId)).length, 0);
  });
});
