import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { useEmulatorEnv, type EmulatorEnv } from './emulator-env';
import { createTicketDoc, createNoteDoc, readTicketDoc, queryTicketDocs, queryNoteDocs } from '../../../shared/store/ticket-repository';
import { container } from '../../../shared/store/cosmos';
import type { Ticket, Note } from '../../../shared/tickets/ticket';

let env: EmulatorEnv;
before(async () => { env = await useEmulatorEnv(); });
after(async () => { await env.stop(); });

function ticket(id: string, extra: Partial<Ticket> = {}): Ticket {
  return {
    id, templateId: 'it-support', channelId: 'ch-1', title: `Ticket ${id}`, description: { text: 'body' },
    requester: { email: 'ada@example.com' }, watchers: [], fields: {}, priority: 'normal', status: 'new', attachments: [], participants: [],
    source: { channelId: 'ch-1', ledgerKey: `ch-1:${id}`, messageId: `<${id}@example.com>` }, createdAt: new Date().toISOString(), ...extra,
  };
}

function note(ticketId: string, id: string): Note {
  return { id, ticketId, author: { email: 'ada@example.com' }, text: 'reply', attachments: [], direction: 'inbound', createdAt: new Date().toISOString() };
}

test('creating the same ticket id three times (also concurrently) stores one ticket and returns the first', async () => {
  const first = await createTicketDoc(ticket('t-dup', { title: 'first' }));
  assert.equal(first.created, true);
  const again = await Promise.all([createTicketDoc(ticket('t-dup', { title: 'second' })), createTicketDoc(ticket('t-dup', { title: 'third' }))]);
  for (const r of again) {
    assert.equal(r.created, false);
    assert.equal(r.ticket.title, 'first');
  }
  const c = await container('tickets');
  const { resources } = await c.items.query({ query: "SELECT VALUE COUNT(1) FROM c WHERE c.ticketId = 't-dup'" }).fetchAll();
  assert.deepEqual(resources, [1]);
});

test('the same note added twice makes one note; its partition is the ticket', async () => {
  await createTicketDoc(ticket('t-notes'));
  assert.equal((await createNoteDoc(note('t-notes', 'n-1'))).created, true);
  assert.equal((await createNoteDoc(note('t-notes', 'n-1'))).created, false);
  await createNoteDoc(note('t-notes', 'n-2'));
  const notes = await queryNoteDocs(['t-notes']);
  assert.deepEqual(notes.map((n) => n.id).sort(), ['n-1', 'n-2']);
  const raw = await (await container('tickets')).item('n-1', 't-notes').read<{ type: string; ticketId: string }>();
  assert.equal(raw.resource?.type, 'note');
  assert.equal(raw.resource?.ticketId, 't-notes');
});

test('reading a ticket by id gives the ticket, not a note with that id, and undefined when absent', async () => {
  await createTicketDoc(ticket('t-read'));
  assert.equal((await readTicketDoc('t-read'))?.title, 'Ticket t-read');
  assert.equal(await readTicketDoc('missing'), undefined);
});

test('tickets are listed newest first and filtered by channel', async () => {
  await createTicketDoc(ticket('t-ch2-a', { channelId: 'ch-2', createdAt: '2024-05-01T00:00:00.000Z' }));
  await createTicketDoc(ticket('t-ch2-b', { channelId: 'ch-2', createdAt: '2024-05-02T00:00:00.000Z' }));
  const ch2 = await queryTicketDocs({ channelId: 'ch-2' });
  assert.deepEqual(ch2.map((t) => t.id), ['t-ch2-b', 't-ch2-a']);
  assert.ok((await queryTicketDocs()).length >= 5);
});
