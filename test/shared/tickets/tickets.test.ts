import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { useEmulatorEnv, type EmulatorEnv } from '../store/emulator-env';
import {
  createTicket, addNote, updateTicket, getTicket, listTickets, getTemplate, listTemplates, listOffers, ensureSilentOffer, type TicketInput,
} from '../../../shared/tickets';
import { NotFoundError } from '../../../shared/store/errors';
import { readTicketDocWithEtag } from '../../../shared/store/ticket-repository';
import type { Ticket } from '../../../shared/tickets/ticket';
import { PermanentError } from '../../../shared/errors';

let env: EmulatorEnv;
before(async () => { env = await useEmulatorEnv(); });
after(async () => { await env.stop(); });

function input(id: string, extra: Partial<TicketInput> = {}): TicketInput {
  return {
    id, templateId: 'it-support', channelId: 'ch-1', title: 'Printer on floor 3 is jammed',
    description: { text: 'It jams.', html: '<p onclick="steal()">It <b>jams</b>.<script>alert(1)</script></p>' },
    requester: { email: 'ada@example.com', name: 'Ada' },
    fields: { category: 'hardware' },
    attachments: [
      { filename: 'photo.jpg', contentType: 'image/jpeg', size: 1234, blobName: `${id}/photo.jpg` },
      { filename: 'setup.exe', contentType: 'application/octet-stream', size: 99, blocked: 'executable files are not accepted' },
    ],
    source: { channelId: 'ch-1', ledgerKey: `ch-1:${id}`, messageId: `<${id}@example.com>` },
    ...extra,
  };
}

test('a fresh local installation has realistic templates and a catalogue, seeded once', async () => {
  const templates = await listTemplates();
  assert.deepEqual(templates.map((t) => t.id).sort(), ['access-request', 'hardware-order', 'incident', 'it-support']);
  assert.equal((await listTemplates()).length, 4, 'seeding twice adds nothing');
  const it = await getTemplate('it-support');
  assert.ok(it?.fields.some((f) => f.type === 'enum' && f.options?.includes('Hardware')));
  const offers = await listOffers();
  assert.equal(offers.length, 4);
  assert.ok(offers.every((o) => !o.silent));
});

test('the same mail turned into a ticket three times makes one ticket', async () => {
  const results = [await createTicket(input('mail-1')), await createTicket(input('mail-1')), await createTicket(input('mail-1', { title: 'changed' }))];
  assert.deepEqual(results.map((r) => r.created), [true, false, false]);
  assert.ok(results.every((r) => r.ticket.title === 'Printer on floor 3 is jammed'));
  assert.equal((await listTickets({ channelId: 'ch-1' })).filter((t) => t.id === 'mail-1').length, 1);
});

test('stored HTML is sanitized, field values are normalised to the template, defaults filled in', async () => {
  const { ticket } = await createTicket(input('mail-2'));
  assert.equal(ticket.description.html, '<p>It <b>jams</b>.</p>');
  assert.equal(ticket.fields.category, 'Hardware');
  assert.equal(ticket.status, 'new');
  assert.equal(ticket.priority, 'normal');
  assert.deepEqual(ticket.watchers, []);
  assert.equal(ticket.attachments[1]?.blocked, 'executable files are not accepted');
});

test('a ticket whose fields do not fit its template is refused with every field named, permanently', async () => {
  await assert.rejects(
    createTicket(input('mail-3', { templateId: 'hardware-order', fields: { quantity: 'lots', color: 'red' } })),
    (err: unknown) => {
      assert.ok(err instanceof PermanentError);
      assert.equal(err.code, 'TICKET_FIELDS_INVALID');
      assert.match(err.message, /fields\.color/);
      assert.match(err.message, /fields\.quantity: must be a number/);
      assert.match(err.message, /fields\.item: required/);
      return true;
    },
  );
  await assert.rejects(createTicket(input('mail-4', { templateId: 'no-such-template' })), /TEMPLATE_NOT_FOUND|does not exist/);
  assert.equal(await getTicket('mail-3'), undefined);
});

test('a reply added twice becomes one note, and the ticket is read with its notes', async () => {
  await createTicket(input('mail-5'));
  const note = { id: 'mail-5-reply', author: { email: 'ada@example.com' }, text: 'Still jammed', html: '<p>Still <img src="x" onerror="x()"> jammed</p>' };
  assert.equal((await addNote('mail-5', note)).created, true);
  const second = await addNote('mail-5', note);
  assert.equal(second.created, false);
  assert.equal(second.note.html, '<p>Still <img src="x" /> jammed</p>');
  const t = await getTicket('mail-5');
  assert.equal(t?.notes.length, 1);
  const listed = (await listTickets()).find((x) => x.id === 'mail-5');
  assert.equal(listed?.notes[0]?.text, 'Still jammed');
});

test('a note for a ticket that does not exist is refused as not found', async () => {
  await assert.rejects(addNote('nope', { id: 'n', author: { email: 'a@example.com' }, text: 'x' }), NotFoundError);
});

test('a silent offer is one per channel and only listed on request', async () => {
  const a = await ensureSilentOffer({ id: 'ch-9', name: 'Support mailbox', templateId: 'incident' });
  const b = await ensureSilentOffer({ id: 'ch-9', name: 'Support mailbox', templateId: 'incident' });
  assert.equal(a.id, b.id);
  assert.equal(a.silent, true);
  assert.ok(!(await listOffers()).some((o) => o.id === a.id));
  assert.equal((await listOffers({ includeSilent: true })).filter((o) => o.id === a.id).length, 1);
});

test('a mail body too big for one Cosmos item still makes a ticket, shortened and marked so', async () => {
  const huge = 'Log line that repeats. '.repeat(120_000); // ~2.8 MB
  const { ticket, created } = await createTicket(input('mail-huge', { description: { text: huge, html: `<pre>${huge}</pre>` } }));
  assert.equal(created, true);
  assert.equal(ticket.description.truncated, true);
  assert.equal(ticket.description.html, undefined);
  assert.ok(Buffer.byteLength(JSON.stringify(ticket)) < 2 * 1024 * 1024);
  assert.ok((await getTicket('mail-huge'))?.description.text.startsWith('Log line that repeats.'));
});

test('updateTicket changes a ticket under its ETag: concurrent changes all land, a change with nothing to do writes nothing', async () => {
  await createTicket(input('t-upd'));
  await Promise.all(['a@x.example', 'b@x.example', 'c@x.example'].map((p) => updateTicket('t-upd', (t) => ({ ...t, participants: [...t.participants, p] }))));
  const after = await getTicket('t-upd');
  assert.deepEqual([...(after?.participants ?? [])].sort(), ['a@x.example', 'b@x.example', 'c@x.example']);
  const same = await updateTicket('t-upd', () => undefined);
  assert.deepEqual(same.participants, after?.participants);
  await assert.rejects(updateTicket('t-missing', (t) => t), NotFoundError);
});

test('updateTicket from a ticket the caller read: the first round reads nothing; read before a change by someone else, it loses with 412 and is applied to the fresh ticket', async () => {
  await createTicket(input('t-read'));
  const read = await readTicketDocWithEtag('t-read');
  assert.ok(read);
  const seen: string[][] = [];
  const addParticipant = (p: string) => (t: Ticket) => {
    seen.push([...t.participants]);
    return { ...t, participants: [...t.participants, p] };
  };
  await updateTicket('t-read', addParticipant('a@x.example'), { read });
  assert.deepEqual(seen, [[]], 'one round, from the ticket as read');
  // `read` is stale now: the change runs on it, loses, and runs again on the stored ticket
  seen.length = 0;
  const after = await updateTicket('t-read', addParticipant('b@x.example'), { read });
  assert.deepEqual(seen, [[], ['a@x.example']]);
  assert.deepEqual(after.participants, ['a@x.example', 'b@x.example']);
});
