import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { useEmulatorEnv, type EmulatorEnv } from './emulator-env';
import { classifyCosmos, startCountingProxy, sumCounts, type CountingProxy } from '../../../bench/counting-proxy';
import { resetCosmosClient } from '../../../shared/store/cosmos';
import { resetSettingsCache } from '../../../shared/config/settings';
import { applyCounterChanges, counterStats, deferCounterChanges } from '../../../shared/store/channel-stats';
import { createLedger, ledgerStats, type LedgerRecord } from '../../../shared/store/ledger';
import { tallyChanges, tallyOf } from '../../../shared/pipeline/stats-tally';
import { inbound, pipelineHarness, queued } from '../../support/pipeline-harness';
import { rfc822 } from '../../support/mail-e2e';

/**
 * The channel's hourly counters on the real store (Cosmos emulator, behind a counting
 * proxy): counts that follow the ledger under redelivery, retry and copies, and a stats
 * answer whose reads do not grow with the ledger.
 */
let env: EmulatorEnv;
let proxy: CountingProxy;
before(async () => {
  env = await useEmulatorEnv();
  proxy = await startCountingProxy(env.cosmos.port, classifyCosmos);
  process.env.COSMOS_ENDPOINT = `${proxy.origin}/`;
  resetSettingsCache();
  resetCosmosClient();
});
after(async () => {
  await proxy.stop();
  await env.stop();
});

test('a mail delivered three times, once while its first delivery is still running, is counted once', async () => {
  const h = pipelineHarness();
  const messageId = '<counted-once@client.example.org>';
  const ref = h.mailbox.append('INBOX', rfc822({ subject: 'Counted once', messageId }), messageId);
  const msg = queued(inbound(h, ref, messageId));
  await Promise.all([h.deliver(msg), h.deliver(queued(inbound(h, ref, messageId)))]);
  await h.deliver(msg);
  const stats = await counterStats(h.channel.id);
  assert.deepEqual(stats.byOutcome, { created: 1 });
  assert.equal(stats.total, 1);
  assert.equal(stats.inFlight, 0);
  assert.deepEqual(stats, { ...(await h.stats()), latencyMs: stats.latencyMs }, 'the counters say what the whole ledger says');
});

test('a mail that failed (poison) and is retried into a ticket moves one count from failed to created', async () => {
  const h = pipelineHarness();
  const messageId = '<failed-then-retried@client.example.org>';
  const ref = h.mailbox.append('INBOX', rfc822({ subject: 'Failed, then retried', messageId }), messageId);
  const body = inbound(h, ref, messageId);
  // the attempts die once the record and the raw mail are stored (fetch, raw blob, create), before the ticket; the host gives up on the message
  await assert.rejects(h.deliver(queued(body), { crashAfter: 3 }));
  assert.equal(await h.poison(body), 'recorded');
  assert.deepEqual((await counterStats(h.channel.id)).byOutcome, { failed: 1 });
  assert.deepEqual((await counterStats(h.channel.id)).reasons, [{ code: 'POISON', count: 1 }]);

  const [failed] = await h.records();
  assert.ok(failed);
  const retried = await h.deliver(queued({ ...body, source: failed.source, retryOfLedgerKey: failed.id }));
  assert.equal(retried.status, 'done');
  const stats = await counterStats(h.channel.id);
  assert.deepEqual(stats.byOutcome, { created: 1 });
  assert.deepEqual(stats.reasons, []);
  assert.equal(stats.total, 1);
  // a second retry of the same mail (created again) moves nothing
  await h.deliver(queued({ ...body, source: (await h.records())[0]!.source, retryOfLedgerKey: failed.id }));
  assert.deepEqual((await counterStats(h.channel.id)).byOutcome, { created: 1 });
});

test('copies of a mail are counted as duplicates, each place once', async () => {
  const h = pipelineHarness();
  const messageId = '<copied@client.example.org>';
  const raw = rfc822({ subject: 'Copied', messageId });
  const first = h.mailbox.append('INBOX', raw, messageId);
  const copy = h.mailbox.append('INBOX', raw, messageId);
  await h.deliver(queued(inbound(h, first, messageId)));
  await h.deliver(queued(inbound(h, copy, messageId)));
  await h.deliver(queued(inbound(h, copy, messageId)));
  const stats = await counterStats(h.channel.id);
  assert.equal(stats.duplicates, 1);
  assert.deepEqual(stats.byOutcome, { created: 1 });
});

/** Closed records of `n` mails spread over `hours` hours, counted as the pipeline counts them. */
async function seedClosed(channelId: string, n: number, hours: number): Promise<void> {
  const start = Date.parse('2026-11-01T00:00:00.000Z');
  const outcomes = ['created', 'created', 'created', 'noted', 'ignored', 'rejected'] as const;
  for (let i = 0; i < n; i++) {
    const firstAttemptAt = new Date(start + (i % hours) * 3_600_000 + i).toISOString();
    const outcome = outcomes[i % outcomes.length]!;
    const record: LedgerRecord = {
      id: `seed-${i}`,
      channelId,
      state: 'done',
      outcome,
      ...(outcome === 'rejected' ? { reasonCode: 'DOMAIN_NOT_ALLOWED' } : {}),
      source: { protocol: 'imap', folder: 'INBOX', uidValidity: '1', uid: i + 1 },
      imported: false,
      attempts: 1,
      stages: [],
      duplicates: [],
      retries: 0,
      timings: { firstAttemptAt, latencyMs: (i % 7) * 1_000 },
      updatedAt: firstAttemptAt,
    };
    const tally = tallyOf(record);
    await createLedger({ ...record, tally });
    await applyCounterChanges(channelId, tallyChanges(undefined, tally));
  }
}

/** The Cosmos requests one stats answer costs, by kind, and the items they read. */
async function statsRequests(channelId: string, stats: (channelId: string) => Promise<{ total: number }> = counterStats): Promise<{ total: number; requests: number; items: number; counts: Record<string, number> }> {
  proxy.reset();
  const { total } = await stats(channelId);
  const counts = proxy.counts();
  return { total, requests: sumCounts(counts, ['read', 'query', 'metadata']), items: proxy.items(), counts };
}

test('the stats of a channel with 2,400 ledger records read the same items and requests as those of one with 24 (counters per hour, not the ledger)', async () => {
  const small = `ch-${randomUUID()}`;
  const large = `ch-${randomUUID()}`;
  await seedClosed(small, 24, 24);
  await seedClosed(large, 2_400, 24);
  const s = await statsRequests(small);
  const l = await statsRequests(large);
  assert.equal(s.total, 24);
  assert.equal(l.total, 2_400);
  assert.equal(l.requests, s.requests, 'a hundred times the mail, the same requests');
  assert.equal(l.items, s.items, 'a hundred times the mail, the same items read');
  assert.ok(l.items <= 2 * 24, `the 24 hour documents (the SDK may ask a query's page twice), nothing of the ledger: ${l.items} ${JSON.stringify(l.counts)}`);
  // what the ledger scan the stats used before reads for the same channel: every record
  assert.ok((await statsRequests(large, ledgerStats)).items >= 2_400);
  assert.ok(l.requests <= 4, `a query of the hours and one of the mail in flight, each with its query plan: ${JSON.stringify(l.counts)}`);
  const stats = await counterStats(large);
  assert.deepEqual(stats.byOutcome, { created: 1_200, noted: 400, ignored: 400, rejected: 400 });
  assert.deepEqual(stats.reasons, [{ code: 'DOMAIN_NOT_ALLOWED', count: 400 }]);
});

test('60 mails of one hour closing at once are counted exactly, in fewer patches than mails (those closing during a write share the next)', async () => {
  const channelId = `ch-${randomUUID()}`;
  const hour = '2026-12-06T10:00:00.000Z';
  const outcomes = ['created', 'noted', 'rejected'] as const;
  proxy.reset();
  await Promise.all(
    Array.from({ length: 60 }, (_, i) =>
      applyCounterChanges(channelId, tallyChanges(undefined, { hour, outcome: outcomes[i % 3]!, ...(i % 3 === 2 ? { reasonCode: 'DOMAIN_NOT_ALLOWED' } : {}), latencyBucket: i % 5 })),
    ),
  );
  const writes = sumCounts(proxy.counts(), ['patch', 'create']);
  const stats = await counterStats(channelId);
  assert.equal(stats.total, 60);
  assert.deepEqual(stats.byOutcome, { created: 20, noted: 20, rejected: 20 });
  assert.deepEqual(stats.reasons, [{ code: 'DOMAIN_NOT_ALLOWED', count: 20 }]);
  assert.ok(writes < 60 / 2, `60 mails counted with ${writes} writes`);
});

test('50 mails of one channel closing one after another within a second are counted by two writes (the first, then the rest together), and its stats read right after show all 50', async () => {
  const channelId = `ch-${randomUUID()}`;
  const hour = '2026-12-06T11:00:00.000Z';
  proxy.reset();
  for (let i = 0; i < 50; i++) {
    deferCounterChanges(channelId, tallyChanges(undefined, { hour, outcome: 'created', latencyBucket: i % 4 }));
    // one mail after the other, each given time to go out on its own (it does not)
    await new Promise<void>((r) => setImmediate(r));
  }
  const stats = await counterStats(channelId);
  const writes = sumCounts(proxy.counts(), ['patch', 'create']);
  assert.equal(stats.total, 50, "the instance reads its own counts: what waited was written before the stats' query");
  assert.deepEqual(stats.byOutcome, { created: 50 });
  // the first mail at once (the hour's first count: a patch that finds no document, then its create), the other 49 in one patch
  assert.ok(writes <= 3, `${writes} writes ${JSON.stringify(proxy.counts())}`);
});
