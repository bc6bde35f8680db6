import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { useEmulatorEnv, type EmulatorEnv } from '../store/emulator-env';
import {
  createChannel, getChannel, listChannels, replaceChannel, patchChannel, deleteChannel, publishChannel, pauseChannel,
} from '../../../shared/admin/channel-service';
import { ValidationError } from '../../../shared/http/api-error';
import { ConflictError, NotFoundError, PreconditionFailedError } from '../../../shared/store/errors';
import { container } from '../../../shared/store/cosmos';
import { secretStore } from '../../../shared/secrets';
import { listOffers } from '../../../shared/tickets';
import { silentOfferId } from '../../../shared/tickets/offer';

let env: EmulatorEnv;
before(async () => { env = await useEmulatorEnv(); });
after(async () => { await env.stop(); });

const ada = { actor: 'ada@example.com' };

function body(extra: Record<string, unknown> = {}) {
  return {
    name: 'Support mailbox',
    connection: { protocol: 'imap', host: 'imap.example.com', username: 'support@example.com', auth: { type: 'password', password: 'imap-pw-0001' } },
    ticketMapping: { templateId: 'it-support', whitelist: ['it-support', 'incident'] },
    ...extra,
  };
}

async function rawDoc(id: string): Promise<string> {
  const { resource } = await (await container('channels')).item(id, id).read();
  return JSON.stringify(resource);
}

test('a created channel is a draft by its creator, its password in the secret store and nowhere else', async () => {
  const view = await createChannel(body(), ada);
  assert.equal(view.status, 'draft');
  assert.equal(view.createdBy, 'ada@example.com');
  assert.deepEqual(view.connection.auth, { type: 'password', password: { isSet: true } });
  assert.ok(!(await rawDoc(view.id)).includes('imap-pw-0001'));
  assert.ok(!fs.readFileSync(env.secretsFile, 'utf8').includes('imap-pw-0001'));
  const rec = JSON.parse(await rawDoc(view.id)) as { connection: { auth: { password: { ref: string } } } };
  assert.equal(await secretStore().get(rec.connection.auth.password.ref), 'imap-pw-0001');
  assert.equal((await getChannel(view.id)).etag, view.etag);
  assert.ok((await listChannels()).some((c) => c.id === view.id));
});

test('templates that do not exist are named by field path', async () => {
  await assert.rejects(
    createChannel(body({ ticketMapping: { templateId: 'nope', whitelist: ['incident', 'gone'] } }), ada),
    (err: unknown) => {
      assert.ok(err instanceof ValidationError);
      assert.deepEqual(err.issues?.map((i) => i.path), ['ticketMapping.templateId', 'ticketMapping.whitelist.1']);
      return true;
    },
  );
  await assert.rejects(
    createChannel(body({ ticketMapping: { templateId: 'hardware-order', fields: [{ field: 'colour', source: { kind: 'mail', property: 'subject' } }] } }), ada),
    (err: unknown) => err instanceof ValidationError && err.issues?.some((i) => i.path === 'ticketMapping.fields.0.field') === true
      && err.issues.some((i) => i.path === 'ticketMapping.fields' && /requires field "item"/.test(i.message)),
  );
});

test('a merge patch changes only what it names; a secret set to null is cleared, absent is kept', async () => {
  const created = await createChannel(body({ description: 'first' }), ada);
  const patched = await patchChannel(created.id, { description: null, folders: { success: 'Done' } }, { actor: 'bob@example.com' });
  assert.equal(patched.description, undefined);
  assert.equal(patched.folders.success, 'Done');
  assert.deepEqual(patched.folders.read, ['Inbox']);
  assert.equal(patched.updatedBy, 'bob@example.com');
  assert.equal(patched.createdBy, 'ada@example.com');
  assert.deepEqual(patched.connection.auth, { type: 'password', password: { isSet: true } });
  const cleared = await patchChannel(created.id, { connection: { auth: { password: null } } }, ada);
  assert.deepEqual(cleared.connection.auth, { type: 'password', password: { isSet: false } });
  await assert.rejects(patchChannel(created.id, { connection: { port: 'x' } }, ada), (e: unknown) => e instanceof ValidationError && e.issues?.[0]?.path === 'connection.port');
});

test('a stale If-Match is refused with 412 and the channel is unchanged', async () => {
  const v1 = await createChannel(body(), ada);
  await patchChannel(v1.id, { name: 'v2' }, { ...ada, ifMatch: [v1.etag] });
  await assert.rejects(patchChannel(v1.id, { name: 'v3' }, { ...ada, ifMatch: [v1.etag] }), PreconditionFailedError);
  await assert.rejects(replaceChannel(v1.id, body({ name: 'v3' }), { ...ada, ifMatch: [v1.etag] }), PreconditionFailedError);
  await assert.rejects(deleteChannel(v1.id, { ...ada, ifMatch: [v1.etag] }), PreconditionFailedError);
  assert.equal((await getChannel(v1.id)).name, 'v2');
});

test('publishing twice makes one silent offer; after publishing the template is fixed (409), the rest can change', async () => {
  const ch = await createChannel(body(), ada);
  const p1 = await publishChannel(ch.id, ada);
  assert.equal(p1.status, 'published');
  assert.ok(p1.publishedAt);
  assert.equal(p1.offerId, silentOfferId(ch.id));
  const p2 = await publishChannel(ch.id, ada);
  assert.equal(p2.publishedAt, p1.publishedAt);
  assert.equal((await listOffers({ includeSilent: true })).filter((o) => o.channelId === ch.id).length, 1);
  await assert.rejects(patchChannel(ch.id, { ticketMapping: { templateId: 'incident' } }, ada), (e: unknown) => e instanceof ConflictError && /cannot change after the channel was first published/.test(e.message));
  await assert.rejects(replaceChannel(ch.id, body({ ticketMapping: { templateId: 'incident' } }), ada), ConflictError);
  const renamed = await patchChannel(ch.id, { name: 'Renamed' }, ada);
  assert.equal(renamed.status, 'published');
  const paused = await pauseChannel(ch.id, ada);
  assert.equal(paused.status, 'paused');
  await assert.rejects(patchChannel(ch.id, { ticketMapping: { templateId: 'incident' } }, ada), ConflictError, 'still fixed while paused');
  const again = await publishChannel(ch.id, ada);
  assert.equal(again.publishedAt, p1.publishedAt);
});

test('only a published channel can be paused', async () => {
  const ch = await createChannel(body(), ada);
  await assert.rejects(pauseChannel(ch.id, ada), (e: unknown) => e instanceof ConflictError && /only a published channel/.test(e.message));
});

test('deleting a channel deletes its secrets and its silent offer', async () => {
  const ch = await createChannel(body(), ada);
  await publishChannel(ch.id, ada);
  const rec = JSON.parse(await rawDoc(ch.id)) as { connection: { auth: { password: { ref: string } } } };
  await deleteChannel(ch.id, ada);
  await assert.rejects(getChannel(ch.id), NotFoundError);
  assert.equal(await secretStore().get(rec.connection.auth.password.ref), undefined);
  assert.ok(!(await listOffers({ includeSilent: true })).some((o) => o.channelId === ch.id));
});

test('replacing a password writes the new one and removes the old one from the store', async () => {
  const ch = await createChannel(body(), ada);
  const before = (JSON.parse(await rawDoc(ch.id)) as { connection: { auth: { password: { ref: string } } } }).connection.auth.password.ref;
  await replaceChannel(ch.id, body({ connection: { protocol: 'imap', host: 'imap.example.com', username: 'support@example.com', auth: { type: 'password', password: 'rotated-pw' } } }), ada);
  const after = (JSON.parse(await rawDoc(ch.id)) as { connection: { auth: { password: { ref: string } } } }).connection.auth.password.ref;
  assert.notEqual(after, before);
  assert.equal(await secretStore().get(after), 'rotated-pw');
  assert.equal(await secretStore().get(before), undefined);
});
