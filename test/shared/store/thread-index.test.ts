import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { useEmulatorEnv, type EmulatorEnv } from './emulator-env';
import {
  lookupConversation,
  lookupMessageIds,
  MAX_LOOKUP_IDS,
  conversationEntryId,
  messageIdEntryId,
  recordMessageId,
  recordReceivedMail,
  lookupTicketNumber,
  moveLegacyEntries,
  ticketNumberFor,
} from '../../../shared/store/thread-index';
import { container, resetCosmosClient } from '../../../shared/store/cosmos';
import { queryAll } from '../../../shared/store/cosmos-items';
import { ledgerStats, listLedger } from '../../../shared/store/ledger';
import type { Container } from '@azure/cosmos';
import { countRequests } from './count-requests';

let env: EmulatorEnv;
before(async () => { env = await useEmulatorEnv(); });
after(async () => { await env.stop(); });

const at = new Date('2026-12-06T10:00:00.000Z');

test('a Message-ID we sent or received is found again by point read, whatever brackets and domain case the reply uses', async () => {
  await recordMessageId('ch-a', '<mc.abc@Support.Example.com>', 'T-1', 'sent', at);
  await recordMessageId('ch-a', 'customer-1@mail.example.org', 'T-1', 'received', at);
  const found = await lookupMessageIds('ch-a', ['unknown@example.com', 'mc.abc@support.example.COM', '<customer-1@MAIL.example.org>']);
  assert.deepEqual(found.map((e) => [e.key, e.ticketId, e.kind]), [
    ['mc.abc@support.example.com', 'T-1', 'sent'],
    ['customer-1@mail.example.org', 'T-1', 'received'],
  ]);
  assert.equal(found[0]?.id, messageIdEntryId('mc.abc@support.example.com'));
  assert.equal(found[0]?.at, at.toISOString());
});

test('the index is per channel: the same Message-ID in another channel is not found', async () => {
  await recordMessageId('ch-b', 'shared@example.com', 'T-b', 'received', at);
  assert.deepEqual(await lookupMessageIds('ch-c', ['shared@example.com']), []);
});

test('the first record of a Message-ID wins: a redelivery or another ticket does not move it', async () => {
  const first = await recordMessageId('ch-d', 'm@example.com', 'T-1', 'sent', at);
  assert.equal(first.created, true);
  const again = await recordMessageId('ch-d', '<m@example.com>', 'T-2', 'received', new Date());
  assert.equal(again.created, false);
  assert.equal(again.entry.ticketId, 'T-1');
  assert.equal((await lookupMessageIds('ch-d', ['m@example.com']))[0]?.ticketId, 'T-1');
});

test(`a lookup reads at most ${MAX_LOOKUP_IDS} ids (the nearest, given first): ids beyond are not read`, async () => {
  const ids = Array.from({ length: 30 }, (_, i) => `r${i}@example.com`);
  for (const i of [0, 19, 20, 29]) await recordMessageId('ch-e', ids[i]!, `T-${i}`, 'received', at);
  const found = await lookupMessageIds('ch-e', ids);
  assert.deepEqual(found.map((e) => e.ticketId), ['T-0', 'T-19']);
  assert.deepEqual(await lookupMessageIds('ch-e', []), []);
});

test('a Graph conversation maps to its first ticket; conversation and Message-ID entries never meet', async () => {
  const conv = 'AAQkADAwATM0MDAAMS1iZjk2LTg0ZjQtMDACLTAwCgAQAN';
  assert.equal(await lookupConversation('ch-f', conv), undefined);
  await recordReceivedMail('ch-f', { conversationId: conv }, 'T-5', at);
  await recordReceivedMail('ch-f', { conversationId: conv }, 'T-6', at);
  assert.equal((await lookupConversation('ch-f', conv))?.ticketId, 'T-5');
  assert.equal(await lookupConversation('ch-g', conv), undefined);
  assert.deepEqual(await lookupMessageIds('ch-f', [conv]), []);
});

test('an entry whose stored key differs from the asked one (a hash collision) is not a match', async () => {
  const c = await container('ledger');
  await c.items.create({ id: messageIdEntryId('victim@example.com'), channelId: 'ch-h', type: 'messageId', key: 'other@example.com', ticketId: 'T-x', kind: 'sent', at: at.toISOString() });
  assert.deepEqual(await lookupMessageIds('ch-h', ['victim@example.com']), []);
});

test('a ticket gets its number once: asked again (a redelivered mail) it gets the same; the number names the ticket and its channel', async () => {
  const a = await ticketNumberFor('T-a', 'ch-n', at);
  const b = await ticketNumberFor('T-b', 'ch-m', at);
  assert.equal(b, a + 1);
  assert.equal(await ticketNumberFor('T-a', 'ch-n', at), a);
  assert.deepEqual([(await lookupTicketNumber(a))?.ticketId, (await lookupTicketNumber(a))?.ticketChannelId], ['T-a', 'ch-n']);
  assert.equal((await lookupTicketNumber(b))?.ticketChannelId, 'ch-m', "a number names its own channel's ticket, wherever the token turns up");
  assert.equal(await lookupTicketNumber(b + 1000), undefined);
  assert.equal(await lookupTicketNumber(0), undefined);
});

test('tickets numbered at the same time get distinct numbers, each finding its ticket', async () => {
  // 60 at once: under read-then-replace with an ETag, writers outlasted any retry budget (CI
  // saw 24 mails in flight fail "contended for 10 rounds"); the server-side increment has no
  // contention to outlast.
  const tickets = Array.from({ length: 60 }, (_, i) => `T-p${i}`);
  const numbers = await Promise.all(tickets.map((t) => ticketNumberFor(t, 'ch-p', at)));
  assert.equal(new Set(numbers).size, tickets.length);
  for (const [i, n] of numbers.entries()) assert.equal((await lookupTicketNumber(n))?.ticketId, tickets[i]);
  // the same ticket asked for concurrently still ends with one number (spares name the same ticket)
  const same = await Promise.all([ticketNumberFor('T-q', 'ch-q', at), ticketNumberFor('T-q', 'ch-q', at), ticketNumberFor('T-q', 'ch-q', at)]);
  assert.equal(new Set(same).size, 1);
  assert.equal(await ticketNumberFor('T-q', 'ch-q', at), same[0]);
  assert.equal((await lookupTicketNumber(same[0]!))?.ticketId, 'T-q');
});

test("a received mail's Message-ID and conversation are recorded in one request; a conversation already known keeps its first ticket", async () => {
  const first = await countRequests(() => recordReceivedMail('ch-r', { messageId: '<first@client.example.org>', conversationId: 'AAQkConv-r' }, 'T-r1', at));
  assert.deepEqual(first, { read: 0, create: 0, batch: 1, patch: 0 });
  assert.equal((await lookupMessageIds('ch-r', ['first@client.example.org']))[0]?.ticketId, 'T-r1');
  assert.equal((await lookupConversation('ch-r', 'AAQkConv-r'))?.ticketId, 'T-r1');

  // a later mail of the same conversation made another ticket: its Message-ID is recorded, the conversation stays
  await recordReceivedMail('ch-r', { messageId: '<second@client.example.org>', conversationId: 'AAQkConv-r' }, 'T-r2', at);
  assert.equal((await lookupMessageIds('ch-r', ['second@client.example.org']))[0]?.ticketId, 'T-r2');
  assert.equal((await lookupConversation('ch-r', 'AAQkConv-r'))?.ticketId, 'T-r1');
  // a redelivery records nothing new and fails nothing
  await recordReceivedMail('ch-r', { messageId: '<first@client.example.org>', conversationId: 'AAQkConv-r' }, 'T-r1', at);
  assert.equal((await lookupMessageIds('ch-r', ['first@client.example.org']))[0]?.ticketId, 'T-r1');
  // with the acknowledgement's Message-ID, about to go: still one request, the entry kind `sent` naming its outbox record
  const acked = await countRequests(() =>
    recordReceivedMail('ch-r', { messageId: '<fourth@client.example.org>', conversationId: 'AAQkConv-r4', sent: [{ messageId: '<mc.ack4@support.example.com>', outboxId: 'k4:autoResponse' }] }, 'T-r4', at),
  );
  assert.deepEqual(acked, { read: 0, create: 0, batch: 1, patch: 0 });
  assert.deepEqual(
    (await lookupMessageIds('ch-r', ['mc.ack4@support.example.com', 'fourth@client.example.org'])).map((e) => [e.kind, e.ticketId, e.outboxId]),
    [['sent', 'T-r4', 'k4:autoResponse'], ['received', 'T-r4', undefined]],
  );
  // one of the two alone is one create
  assert.deepEqual(await countRequests(() => recordReceivedMail('ch-r', { messageId: '<third@client.example.org>' }, 'T-r3', at)), { read: 0, create: 1, batch: 0, patch: 0 });
});

test("a ticket's first number costs the counter's increment and one batch; without a claim possible (the mail's first attempt) no read", async () => {
  await ticketNumberFor('T-warm', 'ch-s', at); // the counter exists
  assert.deepEqual(await countRequests(() => ticketNumberFor('T-s1', 'ch-s', at)), { read: 1, create: 0, batch: 1, patch: 1 });
  assert.deepEqual(await countRequests(() => ticketNumberFor('T-s2', 'ch-s', at, { unclaimed: true })), { read: 0, create: 0, batch: 1, patch: 1 });
  const n = await ticketNumberFor('T-s2', 'ch-s', at);
  assert.equal((await lookupTicketNumber(n))?.ticketId, 'T-s2');
  // told wrongly that it is unclaimed, it still answers the ticket's first number (the new one is only a spare)
  assert.equal(await ticketNumberFor('T-s2', 'ch-s', at, { unclaimed: true }), n);
  assert.equal(await ticketNumberFor('T-s2', 'ch-s', at), n);
});

test("a mail's entries live beside its channel's ledger records, which the ledger's listings and stats leave out", async () => {
  await recordReceivedMail('ch-l', { messageId: '<beside@client.example.org>', conversationId: 'AAQkConv-l' }, 'T-l1', at);
  const ids = (await queryAll<{ id: string }>(await container('ledger'), 'SELECT c.id FROM c WHERE c.channelId = @c', [{ name: '@c', value: 'ch-l' }])).map((d) => d.id).sort();
  assert.deepEqual(ids, [messageIdEntryId('beside@client.example.org'), conversationEntryId('AAQkConv-l')].sort());
  assert.deepEqual((await listLedger('ch-l')).items, []);
  assert.equal((await ledgerStats('ch-l')).total, 0);
});

const numbersIn = (c: Container) => queryAll<{ id: string }>(c, "SELECT c.id FROM c WHERE c.channelId = '~numbers'");

test('entries written before they moved beside the ledger (the threadIndex container) are found, the older winning, until the mover has taken them over; then one place is read', async () => {
  // a fresh deployment: nothing in the old place, so an id costs one read and the mover has nothing to do
  assert.deepEqual(await countRequests(() => lookupMessageIds('ch-o', ['unknown@client.example.org'])), { read: 1, create: 0, batch: 0, patch: 0 });
  assert.deepEqual(await moveLegacyEntries(), { moved: 0, remaining: false, unreadable: [] });

  const old = await container('threadIndex');
  const earlier = new Date(at.getTime() - 86_400_000).toISOString();
  await old.items.create({ id: messageIdEntryId('old@client.example.org'), channelId: 'ch-o', type: 'messageId', key: 'old@client.example.org', ticketId: 'T-old', kind: 'received', at: earlier });
  await old.items.create({ id: conversationEntryId('AAQkConv-old'), channelId: 'ch-o', type: 'conversationId', key: 'AAQkConv-old', ticketId: 'T-old', at: earlier });
  await old.items.create({ id: messageIdEntryId('sent-old@support.example.com'), channelId: 'ch-p', type: 'messageId', key: 'sent-old@support.example.com', ticketId: 'T-sent', kind: 'sent', outboxId: 'k:autoResponse', at: earlier });
  resetCosmosClient(); // as after an upgrade (an instance keeps its check 10 minutes; a new client drops it)
  // after the upgrade a mail of the same conversation made another ticket, written beside the ledger
  await recordReceivedMail('ch-o', { messageId: '<new@client.example.org>', conversationId: 'AAQkConv-old' }, 'T-new', at);
  assert.deepEqual(
    (await lookupMessageIds('ch-o', ['new@client.example.org', 'old@client.example.org', 'unknown@client.example.org'])).map((e) => e.ticketId),
    ['T-new', 'T-old'],
  );
  assert.equal((await lookupConversation('ch-o', 'AAQkConv-old'))?.ticketId, 'T-old', 'the first ticket of the conversation keeps it');
  // while old entries remain, each id is read in both places
  assert.deepEqual(await countRequests(() => lookupMessageIds('ch-o', ['new@client.example.org'])), { read: 2, create: 0, batch: 0, patch: 0 });

  const numbersBefore = await numbersIn(old);
  assert.ok(numbersBefore.length > 0, 'the earlier tests handed out numbers');
  assert.deepEqual(await moveLegacyEntries(2), { moved: 2, remaining: true, unreadable: [] });
  assert.deepEqual(await moveLegacyEntries(2), { moved: 1, remaining: false, unreadable: [] });
  assert.deepEqual(await queryAll(old, "SELECT c.id FROM c WHERE c.type = 'messageId' OR c.type = 'conversationId'"), []);
  assert.equal((await lookupConversation('ch-o', 'AAQkConv-old'))?.ticketId, 'T-old', 'moved over the later entry: the earlier wins');
  assert.equal((await lookupMessageIds('ch-o', ['old@client.example.org']))[0]?.ticketId, 'T-old');
  assert.deepEqual((await lookupMessageIds('ch-p', ['sent-old@support.example.com'])).map((e) => [e.kind, e.ticketId, e.outboxId]), [['sent', 'T-sent', 'k:autoResponse']]);
  assert.equal((await lookupMessageIds('ch-o', ['new@client.example.org']))[0]?.ticketId, 'T-new');
  // the old place is empty: one read per id again, and nothing more to move
  assert.deepEqual(await countRequests(() => lookupMessageIds('ch-o', ['old@client.example.org'])), { read: 1, create: 0, batch: 0, patch: 0 });
  assert.deepEqual(await moveLegacyEntries(), { moved: 0, remaining: false, unreadable: [] });
  assert.equal((await numbersIn(old)).length, numbersBefore.length, 'ticket numbers stay in the threadIndex container, untouched by the mover');
});

test('an old entry that fails the schema is moved as it was and named, so it stops neither the mover nor the switch to one read; a document in no channel is left alone', async () => {
  const old = await container('threadIndex');
  const earlier = new Date(at.getTime() - 86_400_000).toISOString();
  const broken = { id: messageIdEntryId('hand-edited@client.example.org'), channelId: 'ch-q', type: 'messageId', key: 'hand-edited@client.example.org', kind: 'received', at: earlier }; // no ticketId
  await old.items.create(broken);
  await old.items.create({ id: conversationEntryId('AAQkConv-q'), channelId: 'ch-q', type: 'conversationId', key: 'AAQkConv-q', ticketId: 'T-q', at: earlier });
  await old.items.create({ id: 'no-channel', type: 'messageId', key: 'x@client.example.org', ticketId: 'T-x', kind: 'received', at: earlier });
  resetCosmosClient();

  const run = await moveLegacyEntries();
  assert.deepEqual(run, { moved: 2, remaining: false, unreadable: [broken.id] });
  const [moved] = await queryAll<Record<string, unknown>>(await container('ledger'), 'SELECT * FROM c WHERE c.id = @id', [{ name: '@id', value: broken.id }]);
  assert.deepEqual({ ...moved, _rid: undefined, _self: undefined, _etag: undefined, _ts: undefined, _attachments: undefined }, { ...broken, _rid: undefined, _self: undefined, _etag: undefined, _ts: undefined, _attachments: undefined }, 'moved as it was');
  assert.equal((await lookupConversation('ch-q', 'AAQkConv-q'))?.ticketId, 'T-q');
  await assert.rejects(lookupMessageIds('ch-q', ['hand-edited@client.example.org']), 'a lookup meets it as before the move');
  assert.deepEqual(await countRequests(() => lookupMessageIds('ch-q', ['unknown@client.example.org'])), { read: 1, create: 0, batch: 0, patch: 0 }, 'one place is read again');
  assert.deepEqual((await queryAll<{ id: string }>(old, "SELECT c.id FROM c WHERE c.type = 'messageId'")).map((d) => d.id), ['no-channel'], 'the document in no channel stays where it is');
});
