import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { createGraphMailSource, type GraphMailSource } from '../../../shared/sources/graph';
import { clearFolderCache } from '../../../shared/sources/graph-folders';
import { PermanentError } from '../../../shared/errors';
import type { SourceRef } from '../../../shared/queue/contracts';
import { startGraphSimulator, type GraphSimulator } from '../../../devhost/graph-simulator';
import { simulatorChannel, testMail } from '../../../devhost/graph-simulator/channel';

/**
 * The Graph mail source against the Graph + Entra ID simulator, through the real
 * @azure/identity and @microsoft/microsoft-graph-client.
 */
const CORPUS = '/work/shared/corpus/zammad-mail';
let mailboxCounter = 0;

describe('Graph mail source', () => {
  let sim: GraphSimulator;
  let mb: string;
  let source: GraphMailSource;

  const open = (opts: Parameters<typeof simulatorChannel>[1] = {}) => {
    const { channel, deps } = simulatorChannel(sim, { mailbox: mb, ...opts });
    return createGraphMailSource(channel, deps);
  };
  const hoursAgo = (h: number) => new Date(Date.now() - h * 3_600_000);

  before(async () => {
    sim = await startGraphSimulator();
  });
  after(async () => {
    await sim.stop();
  });
  beforeEach(() => {
    // A fresh mailbox per test: tests share one simulator but no state.
    mb = `support${++mailboxCounter}@contoso.example`;
    sim.addMailbox(mb);
    clearFolderCache();
    source = open();
  });

  it('gets its token from the Entra ID stand-in with the channel secret and lists through Graph', async () => {
    const before = sim.stats().tokenRequests;
    const r = await source.listNew('Inbox', undefined);
    assert.deepEqual(r.mails, []);
    assert.equal(sim.stats().tokenRequests, before + 1);
    assert.ok(sim.requests.some((q) => q.endpoint === 'messages.delta' && q.status === 200 && q.mailbox === mb));
  });

  it('a first sync without a start date lists nothing already there; mail arriving afterwards is listed', async () => {
    await sim.deliver(mb, 'inbox', testMail({ subject: 'old 1' }), { receivedAt: hoursAgo(5) });
    await sim.deliver(mb, 'inbox', testMail({ subject: 'old 2' }), { receivedAt: hoursAgo(4) });
    const first = await source.listNew('Inbox', undefined);
    assert.equal(first.mails.length, 0);
    assert.equal(first.resynced, false);

    const fresh = await sim.deliver(mb, 'inbox', testMail({ subject: 'new', messageId: '<new-1@customer.example>' }));
    const second = await source.listNew('Inbox', first.cursor);
    assert.deepEqual(second.mails.map((m) => m.ref), [{ protocol: 'graph', folder: sim.folderId(mb, 'inbox'), messageId: fresh }]);
    assert.equal(second.mails[0]?.internetMessageId, '<new-1@customer.example>');
    assert.ok(second.mails[0]?.receivedAt);
  });

  it('a first sync with a start date lists the mail received at or after it, not older mail', async () => {
    const since = new Date(Math.floor(hoursAgo(24).getTime() / 1000) * 1000);
    await sim.deliver(mb, 'inbox', testMail({ subject: 'too old' }), { receivedAt: new Date(since.getTime() - 1000) });
    const atTheInstant = await sim.deliver(mb, 'inbox', testMail({ subject: 'edge' }), { receivedAt: since });
    const recent = await sim.deliver(mb, 'inbox', testMail({ subject: 'recent' }), { receivedAt: hoursAgo(2) });
    const r = await source.listNew('Inbox', undefined, { since });
    assert.deepEqual(r.mails.map((m) => m.ref.protocol === 'graph' && m.ref.messageId), [atTheInstant, recent], 'oldest first');
    assert.equal(r.resynced, false);
  });

  it('new mail is listed once: the next sync does not list it again', async () => {
    const first = await source.listNew('Inbox', undefined);
    await sim.deliver(mb, 'inbox', testMail());
    const second = await source.listNew('Inbox', first.cursor);
    assert.equal(second.mails.length, 1);
    const third = await source.listNew('Inbox', second.cursor);
    assert.deepEqual(third.mails, []);
    sim.markRead(mb, second.mails[0]?.ref.protocol === 'graph' ? second.mails[0].ref.messageId : '', true);
    const fourth = await source.listNew('Inbox', third.cursor);
    assert.deepEqual(fourth.mails, [], 'a change to a listed mail (read flag) does not list it again');
  });

  it('follows the delta across pages: 250 mails listed once each', async () => {
    for (let i = 0; i < 250; i++) await sim.deliver(mb, 'inbox', testMail({ subject: `bulk ${i}` }), { receivedAt: hoursAgo(1) });
    const deltaBefore = sim.stats().perEndpoint['messages.delta'] ?? 0;
    const r = await source.listNew('Inbox', undefined, { since: hoursAgo(3) });
    assert.equal(r.mails.length, 250);
    assert.equal(new Set(r.mails.map((m) => (m.ref.protocol === 'graph' ? m.ref.messageId : ''))).size, 250);
    assert.equal((sim.stats().perEndpoint['messages.delta'] ?? 0) - deltaBefore, 3, 'pages of 100 via @odata.nextLink');
  });

  it('an expired delta link makes a full resync that lists what is in the folder', async () => {
    const a = await sim.deliver(mb, 'inbox', testMail(), { receivedAt: hoursAgo(6) });
    const first = await source.listNew('Inbox', undefined);
    const b = await sim.deliver(mb, 'inbox', testMail());
    sim.expireDeltaTokens();
    const r = await source.listNew('Inbox', first.cursor);
    assert.equal(r.resynced, true);
    assert.deepEqual(r.mails.map((m) => (m.ref.protocol === 'graph' ? m.ref.messageId : '')).sort(), [a, b].sort());
    const after = await source.listNew('Inbox', r.cursor);
    assert.equal(after.resynced, false);
    assert.deepEqual(after.mails, []);
  });

  it('a cursor that is not a Graph delta link (or another folder\'s) is treated as expired', async () => {
    const a = await sim.deliver(mb, 'inbox', testMail());
    const r = await source.listNew('Inbox', { uidValidity: '1', lastUid: 5 });
    assert.equal(r.resynced, true);
    assert.deepEqual(r.mails.map((m) => (m.ref.protocol === 'graph' ? m.ref.messageId : '')), [a]);
  });

  it('fetchRaw returns the stored MIME byte for byte', async () => {
    const files = (await fs.readdir(CORPUS)).filter((f) => f.endsWith('.box')).slice(0, 3);
    const raws = await Promise.all(files.map((f) => fs.readFile(path.join(CORPUS, f))));
    const ids = [];
    for (const raw of raws) ids.push(await sim.deliver(mb, 'inbox', raw));
    for (const [i, id] of ids.entries()) {
      const got = await source.fetchRaw({ protocol: 'graph', folder: 'inbox', messageId: id });
      assert.ok(got.equals(raws[i] ?? Buffer.alloc(0)), `${files[i]} comes back unchanged`);
    }
  });

  it('move returns the ref in the target folder, the mail is there, and moving it again is no error', async () => {
    await source.ensureFolders(['Processed']);
    const first = await source.listNew('Inbox', undefined);
    const id = await sim.deliver(mb, 'inbox', testMail({ subject: 'to move' }));
    const listed = await source.listNew('Inbox', first.cursor);
    const ref = listed.mails[0]?.ref as SourceRef;
    const processedId = sim.folderId(mb, 'Processed');
    const moved = await source.move(ref, 'Processed');
    assert.deepEqual(moved, { protocol: 'graph', folder: processedId, messageId: id }, 'immutable id kept across the move');
    assert.deepEqual(sim.folderMessages(mb, 'Processed').map((m) => m.id), [id]);
    assert.deepEqual(sim.folderMessages(mb, 'inbox'), []);
    const movesBefore = sim.stats().perEndpoint['messages.move'] ?? 0;
    assert.deepEqual(await source.move(moved, 'Processed'), moved, 'already in the target: nothing to do');
    assert.deepEqual(await source.move(ref, 'Processed'), moved, 'a retry with the old ref finds it in the target');
    assert.equal((sim.stats().perEndpoint['messages.move'] ?? 0) - movesBefore, 1);
    assert.ok((await source.fetchRaw(moved)).length > 0, 'the moved mail is fetched by its new ref');
    const after = await source.listNew('Inbox', listed.cursor);
    assert.deepEqual(after.mails, [], 'a mail moved out is not listed again');
  });

  it('ensureFolders creates missing folders, nested ones too, and leaves existing ones alone', async () => {
    await sim.deliver(mb, 'Processed', testMail());
    const processedBefore = sim.folderId(mb, 'Processed');
    await source.ensureFolders(['Processed', 'Failed', 'Tickets/Rejected/Spam', 'Archive']);
    const paths = sim.folderPaths(mb);
    for (const p of ['Processed', 'Failed', 'Tickets', 'Tickets/Rejected', 'Tickets/Rejected/Spam', 'Archive']) assert.ok(paths.includes(p), `${p} exists`);
    assert.equal(sim.folderId(mb, 'Processed'), processedBefore, 'existing folder kept');
    assert.equal(sim.folderMessages(mb, 'Processed').length, 1);
    clearFolderCache();
    await open().ensureFolders(['processed', 'tickets/rejected/spam']);
    assert.equal(sim.folderPaths(mb).length, paths.length, 'names match case-insensitively: nothing created twice');
  });

  it('listing a folder that does not exist is a permanent error naming the folder', async () => {
    await assert.rejects(source.listNew('No Such Folder', undefined), (err: unknown) => {
      assert.ok(err instanceof PermanentError);
      assert.equal(err.code, 'GRAPH_FOLDER_MISSING');
      assert.match(err.message, /No Such Folder/);
      return true;
    });
  });

  it('a wrong client secret is a permanent auth error that carries Entra\'s code, never the secret', async () => {
    const bad = open({ clientSecret: 'wrong-secret-value-xyz' });
    await assert.rejects(bad.listNew('Inbox', undefined), (err: unknown) => {
      assert.ok(err instanceof PermanentError);
      assert.equal(err.code, 'AUTH_REJECTED');
      assert.match(err.message, /invalid_client/);
      assert.match(err.message, /7000215/);
      assert.doesNotMatch(err.message, /wrong-secret-value-xyz/);
      return true;
    });
  });

  it('a token Graph no longer accepts is replaced by a fresh one and the call succeeds', async () => {
    await source.listNew('Inbox', undefined);
    sim.revokeTokens();
    const tokensBefore = sim.stats().tokenRequests;
    const r = await source.listNew('Inbox', undefined);
    assert.equal(r.resynced, false);
    assert.equal(sim.stats().tokenRequests, tokensBefore + 1);
  });

  it('access denied even with a fresh token is a permanent GRAPH_AUTH error', async () => {
    sim.denyApp(sim.app.clientId);
    try {
      await assert.rejects(source.listNew('Inbox', undefined), (err: unknown) => err instanceof PermanentError && err.code === 'GRAPH_AUTH' && /ErrorAccessDenied/.test(err.message));
    } finally {
      sim.denyApp(sim.app.clientId, false);
    }
  });

  it('fetching or moving a mail that no longer exists is a permanent GRAPH_NOT_FOUND', async () => {
    await source.ensureFolders(['Processed']);
    const id = await sim.deliver(mb, 'inbox', testMail());
    sim.deleteMessage(mb, id);
    const ref: SourceRef = { protocol: 'graph', folder: 'inbox', messageId: id };
    await assert.rejects(source.fetchRaw(ref), (err: unknown) => err instanceof PermanentError && err.code === 'GRAPH_NOT_FOUND');
    await assert.rejects(source.move(ref, 'Processed'), (err: unknown) => err instanceof PermanentError && err.code === 'GRAPH_NOT_FOUND');
  });

  it('an IMAP ref is refused by the Graph source', async () => {
    await assert.rejects(source.fetchRaw({ protocol: 'imap', folder: 'INBOX', uidValidity: '1', uid: 1 }), (err: unknown) => err instanceof PermanentError && err.code === 'GRAPH_WRONG_REF');
  });
});
