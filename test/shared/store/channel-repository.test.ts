import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { useEmulatorEnv, type EmulatorEnv } from './emulator-env';
import { createChannelRecord, readChannelRecord, readChannelCached, replaceChannelRecord, deleteChannelRecord, listChannelRecords } from '../../../shared/store/channel-repository';
import { PreconditionFailedError, ConflictError, NotFoundError } from '../../../shared/store/errors';
import { ChannelRecord } from '../../../shared/config/channel';

let env: EmulatorEnv;
before(async () => { env = await useEmulatorEnv(); });
after(async () => { await env.stop(); });

function record(id: string): ChannelRecord {
  const now = new Date().toISOString();
  return ChannelRecord.parse({
    id, status: 'draft', name: `Channel ${id}`,
    connection: { protocol: 'imap', host: 'imap.example.com', username: 'u@example.com', auth: { type: 'password', password: { ref: 'channel-x-pw', updatedAt: now } } },
    ticketMapping: { templateId: 'it-support' },
    createdAt: now, createdBy: 'test', updatedAt: now, updatedBy: 'test',
  });
}

test('a stored channel reads back with an ETag that changes on every write', async () => {
  const created = await createChannelRecord(record('c1'));
  const read = await readChannelRecord('c1');
  assert.ok(read);
  assert.equal(read.etag, created.etag);
  assert.equal(read.record.connection.auth.type, 'password');
  const replaced = await replaceChannelRecord({ ...read.record, name: 'renamed' }, read.etag);
  assert.notEqual(replaced.etag, read.etag);
  assert.equal((await listChannelRecords()).length, 1);
});

test('a replace or delete with a stale ETag fails with PreconditionFailedError and changes nothing', async () => {
  const created = await createChannelRecord(record('c2'));
  const second = await replaceChannelRecord({ ...created.record, name: 'second' }, created.etag);
  await assert.rejects(replaceChannelRecord({ ...created.record, name: 'lost update' }, created.etag), PreconditionFailedError);
  await assert.rejects(deleteChannelRecord('c2', created.etag), PreconditionFailedError);
  assert.equal((await readChannelRecord('c2'))?.record.name, 'second');
  await deleteChannelRecord('c2', second.etag);
  assert.equal(await readChannelRecord('c2'), undefined);
});

test('creating an existing id is a conflict; replacing a missing one is not found', async () => {
  await createChannelRecord(record('c3'));
  await assert.rejects(createChannelRecord(record('c3')), ConflictError);
  await assert.rejects(replaceChannelRecord(record('nope'), '"x"'), (e: unknown) => e instanceof NotFoundError || e instanceof PreconditionFailedError);
});

test('the pipeline\'s cached channel: a write through this instance is seen at once, a deleted or unknown channel is never kept', async () => {
  assert.equal(await readChannelCached('c-cached'), undefined);
  const created = await createChannelRecord(record('c-cached'));
  assert.equal((await readChannelCached('c-cached'))?.etag, created.etag, 'a miss was not kept: the channel created since is found');
  const replaced = await replaceChannelRecord({ ...created.record, name: 'paused meanwhile' }, created.etag);
  const cached = await readChannelCached('c-cached');
  assert.equal(cached?.record.name, 'paused meanwhile');
  assert.equal(cached?.etag, replaced.etag);
  await deleteChannelRecord('c-cached', replaced.etag);
  assert.equal(await readChannelCached('c-cached'), undefined);
});
