import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BlobServiceClient } from '@azure/storage-blob';
import { startTestStack, type TestStack } from '../support/stack';
import { type Dovecot, dovecotChannelInput, startDovecot } from '../support/dovecot';
import { api, eventually, ledger, publishChannel, rfc822, tickets } from '../support/mail-e2e';
import type { ImpactPreview } from '../../shared/admin/impact-preview';
import { BlobContainers } from '../../shared/store/containers';

/**
 * The impact preview through the local host on real parts (Dovecot, Azurite, the Cosmos
 * emulator): a published channel has processed mail; a change of its allowed domains is
 * previewed against the stored originals, and nothing is written.
 */
let stack: TestStack;
let dovecot: Dovecot;
const USER = { user: 'preview@example.com', password: 'preview-secret' };

before(async () => {
  dovecot = await startDovecot({ users: [USER] });
  stack = await startTestStack({ trustCa: [dovecot.caCertPem] });
});

after(async () => {
  await stack?.stop();
  await dovecot?.stop();
});

test('a preview of narrower allowed domains shows which processed mails would now be rejected, and writes nothing', async () => {
  const channelId = await publishChannel(stack, dovecotChannelInput(dovecot, USER, 'Preview desk', { domains: { allowed: ['example.org', 'partner.example'] } }));
  await stack.settle(30_000);
  const mails = [
    { from: 'Ann <ann@example.org>', subject: 'Printer jams' },
    { from: 'Bob <bob@partner.example>', subject: 'VPN drops every hour' },
    { from: 'Carl <carl@example.org>', subject: 'New laptop for Dana' },
  ];
  for (const m of mails) {
    await dovecot.append(USER.user, 'INBOX', rfc822(m));
    await new Promise((r) => setTimeout(r, 20)); // distinct arrival times: the ledger's newest-first order is theirs
  }
  assert.equal((await api(stack, 'POST', `channels/${channelId}/sync`)).status, 202);
  await eventually(stack, async () => (await tickets(stack, channelId)).length === 3, 'three tickets');

  const ledgerBefore = await ledger(stack, channelId);
  const ticketsBefore = await tickets(stack, channelId);
  const channelBefore = await api(stack, 'GET', `channels/${channelId}`);
  assert.ok(ledgerBefore.every((r) => r.outcome === 'created'), JSON.stringify(ledgerBefore));

  const res = await api<ImpactPreview>(stack, 'POST', `channels/${channelId}/impact-preview`, { domains: { allowed: ['example.org'] } });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  const preview = res.body;
  assert.equal(preview.channelId, channelId);
  assert.equal(preview.limit, 50);
  // newest first, as the ledger lists them
  assert.deepEqual(preview.items.map((i) => i.key), ledgerBefore.map((r) => r.id));
  const bySubject = new Map(preview.items.map((i) => [i.subject, i]));
  const bob = bySubject.get('VPN drops every hour');
  assert.deepEqual(
    { from: bob?.from, before: bob?.before, after: { outcome: bob?.after.outcome, reasonCode: bob?.after.reasonCode }, changed: bob?.changed },
    { from: 'bob@partner.example', before: { outcome: 'created' }, after: { outcome: 'rejected', reasonCode: 'SENDER_DOMAIN_NOT_ALLOWED' }, changed: true },
  );
  for (const subject of ['Printer jams', 'New laptop for Dana']) {
    const item = bySubject.get(subject);
    assert.deepEqual({ before: item?.before, after: item?.after, changed: item?.changed }, { before: { outcome: 'created' }, after: { outcome: 'created' }, changed: false }, subject);
  }
  assert.deepEqual(preview.skipped, []);
  assert.deepEqual(preview.summary, { compared: 3, changed: 1, outcomeChanges: [{ from: 'created', to: 'rejected', count: 1 }] });

  // ?limit=N: the newest N only
  const newest = await api<ImpactPreview>(stack, 'POST', `channels/${channelId}/impact-preview?limit=1`, { domains: { allowed: ['example.org'] } });
  assert.equal(newest.status, 200, JSON.stringify(newest.body));
  assert.deepEqual(newest.body.items.map((i) => i.key), [ledgerBefore[0]?.id]);
  assert.equal((await api(stack, 'POST', `channels/${channelId}/impact-preview?limit=201`, {})).status, 400);

  // validated as PATCH validates: a field-level 400, and the template lock of a published channel (409)
  const invalid = await api<{ issues: { path: string }[] }>(stack, 'POST', `channels/${channelId}/impact-preview`, { domains: { allowed: 'example.org' } });
  assert.equal(invalid.status, 400, JSON.stringify(invalid.body));
  assert.ok(invalid.body.issues.some((i) => i.path.startsWith('domains.allowed')), JSON.stringify(invalid.body));
  assert.equal((await api(stack, 'POST', `channels/${channelId}/impact-preview`, { ticketMapping: { templateId: 'access-request' } })).status, 409);
  assert.equal((await api(stack, 'POST', 'channels/no-such-channel/impact-preview', {})).status, 404);

  // nothing written: ledger, tickets and the channel (its ETag) are as they were
  await stack.settle(30_000);
  assert.deepEqual(await ledger(stack, channelId), ledgerBefore);
  assert.deepEqual(await tickets(stack, channelId), ticketsBefore);
  const channelAfter = await api(stack, 'GET', `channels/${channelId}`);
  assert.equal(channelAfter.headers.get('etag'), channelBefore.headers.get('etag'));
  assert.deepEqual((channelAfter.body as { domains: unknown }).domains, { ...(channelBefore.body as { domains: object }).domains });

  // a mail whose original was deleted from Blob storage is skipped, not the preview
  const gone = await api<{ rawBlob: string }>(stack, 'GET', `channels/${channelId}/messages/${encodeURIComponent(ledgerBefore[1]?.id ?? '')}`);
  const blobs = BlobServiceClient.fromConnectionString(stack.env.AzureWebJobsStorage ?? '').getContainerClient(BlobContainers.rawMail);
  await blobs.deleteBlob(gone.body.rawBlob);
  const withoutOne = await api<ImpactPreview>(stack, 'POST', `channels/${channelId}/impact-preview`, { domains: { allowed: ['example.org'] } });
  assert.equal(withoutOne.status, 200, JSON.stringify(withoutOne.body));
  assert.deepEqual(withoutOne.body.items.map((i) => i.key), [ledgerBefore[0]?.id, ledgerBefore[2]?.id]);
  assert.deepEqual(withoutOne.body.skipped.map((s) => s.key), [ledgerBefore[1]?.id]);
});
