import { randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Container } from '@azure/cosmos';
import { startCosmos } from '../devhost/emulators';
import { startGraphSimulator, type GraphSimulator } from '../devhost/graph-simulator';
import { simulatorChannel } from '../devhost/graph-simulator/channel';
import { ChannelRecord } from '../shared/config/channel';
import { resetSettingsCache } from '../shared/config/settings';
import { hashClientState } from '../shared/notifications/client-state';
import { maintainSubscriptions } from '../shared/notifications/maintain';
import { renewAt, SUBSCRIPTION_LIFETIME_MS } from '../shared/notifications/plan';
import { SUBSCRIPTION_INDEX_PARTITION, subscriptionIndexId, subscriptionRecordId, type SubscriptionRecord } from '../shared/notifications/subscription-record';
import { cosmosSubscriptionStore } from '../shared/notifications/subscription-store';
import { scheduleSync } from '../shared/pipeline/schedule-sync';
import { resetSecretStore } from '../shared/secrets';
import { createGraphSubscriptions } from '../shared/sources/graph-subscriptions';
import { channelsChangedSince } from '../shared/store/channel-changes';
import { container, resetCosmosClient } from '../shared/store/cosmos';
import { readChannelRecord } from '../shared/store/channel-repository';
import { SCHEDULE_PARTITION, cosmosSyncScheduleStore, type ScheduleEntry } from '../shared/store/sync-schedule';
import type { Benchmark } from './benchmark';
import { classifyCosmos, startCountingProxy, sumCounts } from './counting-proxy';
import { fixed, table } from './format';

/**
 * Mailboxes on one deployment: 100, 1,000 and 10,000 Graph mailboxes with two read folders
 * each (so 2 subscriptions per mailbox), polled every minute, in a fresh Cosmos emulator
 * behind a counting proxy, subscriptions live on the Graph simulator. State is seeded as a
 * deployment in steady state has it (channels, schedule entries all due, subscription
 * records whose renewal times are spread over their renewal period, the index), then one
 * minute is run: one scheduleSync and one renewSubscriptions run. Reported per mailbox:
 * Cosmos requests, items read, queue messages, Graph requests. Linear growth = flat per
 * mailbox. Channels seeded now are not "changed" for this minute (the change window's
 * minute of overlap is set to 0 after a second's wait: see store/channel-changes.ts).
 * `BENCH_SCALE_SIZES=100,1000,3000` runs other sizes. The local emulator evaluates every
 * document of a container for each query (at 10,000 mailboxes: 10,000 syncSchedule entries
 * per due-time page, 40,000 syncState documents per subscription query; real Cosmos answers
 * these range queries from its index): the emulator's figures here are counts, its seconds
 * are not Cosmos'. That scan is linear since devhost/cosmos-query-linear.ts (before,
 * quadratic: one due-time query over 50,000 documents took ~170 s, past the SDK's 60 s).
 */
const SIZES = (process.env.BENCH_SCALE_SIZES ?? '100,1000,10000').split(',').map(Number);
const FOLDERS = ['Inbox', 'Support'];
const BULK = 100;

interface MinuteFigures {
  mailboxes: number;
  subscriptions: number;
  cosmosRequests: number;
  cosmosByKind: Record<string, number>;
  itemsRead: number;
  queueMessages: number;
  graphRequests: number;
  tokenRequests: number;
  renewed: number;
  deferred: number;
  schedule: { enqueued: number; dueRead: number; pages: number; channelsRead: number };
  maintenance: { channelsRead: number; recordsRead: number; full: boolean };
  seconds: { seed: number; schedule: number; maintenance: number };
}

async function bulkUpsert(c: Container, docs: Record<string, unknown>[], partitionKeyOf: (d: Record<string, unknown>) => string): Promise<void> {
  const lanes = 4;
  let next = 0;
  const lane = async () => {
    while (next < docs.length) {
      const chunk = docs.slice(next, (next += BULK));
      const results = await c.items.bulk(chunk.map((d) => ({ operationType: 'Upsert' as const, partitionKey: partitionKeyOf(d), resourceBody: d as never })));
      const bad = results.find((r) => r.statusCode >= 300);
      if (bad) throw new Error(`bulk upsert failed with ${bad.statusCode}`);
    }
  };
  await Promise.all(Array.from({ length: lanes }, lane));
}

async function measure(mailboxes: number, sim: GraphSimulator): Promise<MinuteFigures> {
  const cosmos = await startCosmos();
  const proxy = await startCountingProxy(cosmos.port, classifyCosmos);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-scale-'));
  Object.assign(process.env, {
    COSMOS_ENDPOINT: `${proxy.origin}/`,
    COSMOS_KEY: cosmos.key,
    COSMOS_DATABASE: `scale${mailboxes}`,
    LOCAL_SECRETS_FILE: path.join(dir, 'secrets.enc.json'),
    LOCAL_SECRETS_KEY: randomBytes(32).toString('base64'),
  });
  resetSettingsCache();
  resetCosmosClient();
  resetSecretStore();
  try {
    const seedStarted = Date.now();
    const now = new Date();
    const { channel: template, deps: graphDeps } = simulatorChannel(sim, { mailbox: 'scale-0@contoso.example' });
    const channels = Array.from({ length: mailboxes }, (_, i) => {
      const mailbox = `scale-${i}@contoso.example`;
      sim.addMailbox(mailbox);
      return ChannelRecord.parse({ ...template, id: randomUUID(), name: `Mailbox ${i}`, connection: { ...template.connection, username: mailbox }, folders: { read: FOLDERS } });
    });
    const entries: ScheduleEntry[] = channels.map((c) => ({
      id: c.id, channelId: SCHEDULE_PARTITION, kind: 'syncSchedule', forChannel: c.id, intervalSeconds: 60,
      dueAt: new Date(now.getTime() - 5_000).toISOString(), lastRequestedAt: new Date(now.getTime() - 60_000).toISOString(), updatedAt: now.toISOString(),
    }));
    const notificationUrl = 'https://mail.example/api/graph/notify';
    const records: SubscriptionRecord[] = [];
    const index: Record<string, unknown>[] = [];
    for (const c of channels) {
      for (const folder of FOLDERS) {
        const id = subscriptionRecordId(folder);
        // Steady state: this record was last renewed at a uniformly random point of its
        // period, so its next renewal time lies uniformly in (now - 1 min, now - 1 min + period].
        const lead = Date.parse('2030-01-01T00:00:00.000Z') - Date.parse(renewAt({ channelId: c.id, id, expiresAt: '2030-01-01T00:00:00.000Z' }) ?? '');
        const period = SUBSCRIPTION_LIFETIME_MS - lead;
        const renewAtMs = now.getTime() - 60_000 + Math.random() * period + 1;
        const expiresAt = new Date(renewAtMs + lead).toISOString();
        const subscriptionId = randomUUID();
        sim.restoreSubscription({
          id: subscriptionId, resource: `users/${c.connection.username}/mailFolders('${folder}')/messages`, changeType: 'created', clientState: 'x', notificationUrl,
          expirationDateTime: expiresAt, applicationId: sim.app.clientId, creatorId: randomUUID(), tenantId: sim.app.tenantId, mailbox: c.connection.username, immutableIds: true,
        });
        const record: SubscriptionRecord = {
          id, channelId: c.id, kind: 'subscription', folder, state: 'active', subscriptionId, clientStateSha256: hashClientState('x'), expiresAt,
          renewAt: renewAt({ channelId: c.id, id, expiresAt }), notificationUrl, target: `${c.connection.host.toLowerCase()}:${c.connection.port}/${c.connection.username}`,
          failures: 0, updatedAt: now.toISOString(),
        };
        records.push(record);
        index.push({ id: subscriptionIndexId(subscriptionId), channelId: SUBSCRIPTION_INDEX_PARTITION, kind: 'subscriptionIndex', subscriptionId, record: { channelId: c.id, id }, updatedAt: now.toISOString() });
      }
    }
    const channelsContainer = await container('channels');
    const syncState = await container('syncState');
    await bulkUpsert(channelsContainer, channels as unknown as Record<string, unknown>[], (d) => String(d.id));
    const byChannelId = (d: Record<string, unknown>) => String(d.channelId);
    await bulkUpsert(await container('syncSchedule'), entries as unknown as Record<string, unknown>[], byChannelId);
    await bulkUpsert(syncState, [...records, ...index] as unknown as Record<string, unknown>[], byChannelId);
    const schedule = cosmosSyncScheduleStore();
    const subscriptions = cosmosSubscriptionStore();
    // The last full passes were a few minutes ago, and nothing changed since the cursors' saves.
    await new Promise((r) => setTimeout(r, 1_100));
    const fullAt = new Date(now.getTime() - 5 * 60_000).toISOString();
    await schedule.saveCursor({ fullAt, updatedAt: fullAt });
    await subscriptions.saveCursor({ fullAt, updatedAt: fullAt });
    await new Promise((r) => setTimeout(r, 1_100));
    const seedSeconds = (Date.now() - seedStarted) / 1000;

    proxy.reset();
    sim.resetCounters();
    let queueMessages = 0;
    const t0 = Date.now();
    const scheduled = await scheduleSync({
      store: schedule, channelsChangedSince, enqueueSync: async () => void queueMessages++, pushEnabled: false, now: () => now, changeOverlapSeconds: 0,
    });
    const t1 = Date.now();
    const maintained = await maintainSubscriptions({
      publicBaseUrl: 'https://mail.example', channelsChangedSince, readChannel: async (id) => (await readChannelRecord(id))?.record, store: subscriptions,
      graphFor: (channel) => createGraphSubscriptions(channel, graphDeps), now: () => now, log: () => undefined, changeOverlapSeconds: 0,
      // the seeded subscriptions are renewed, never established, so no catch-up sync is queued
      enqueueSync: async () => { throw new Error('unexpected: a subscription was established'); },
    });
    const t2 = Date.now();
    if (maintained.failed.length) throw new Error(`renewals failed: ${JSON.stringify(maintained.failed.slice(0, 3))}`);
    const counts = proxy.counts();
    const stats = sim.stats();
    const cosmosByKind = Object.fromEntries(Object.entries(counts).filter(([k]) => !/ \d{3}$/.test(k)));
    const reads = sumCounts(counts, ['read']);
    return {
      mailboxes,
      subscriptions: records.length,
      cosmosRequests: sumCounts(counts, ['read', 'query', 'replace', 'upsert', 'create', 'delete', 'patch', 'batch']),
      cosmosByKind,
      itemsRead: scheduled.dueRead + scheduled.channelsRead + maintained.channelsRead + maintained.recordsRead + reads,
      queueMessages,
      graphRequests: stats.requestsTotal,
      tokenRequests: stats.tokenRequests,
      renewed: maintained.renewed,
      deferred: maintained.deferred,
      schedule: { enqueued: scheduled.enqueued.length, dueRead: scheduled.dueRead, pages: scheduled.pages, channelsRead: scheduled.channelsRead },
      maintenance: { channelsRead: maintained.channelsRead, recordsRead: maintained.recordsRead, full: maintained.full },
      seconds: { seed: seedSeconds, schedule: (t1 - t0) / 1000, maintenance: (t2 - t1) / 1000 },
    };
  } finally {
    resetCosmosClient();
    await proxy.stop();
    await cosmos.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export const scale: Benchmark = {
  name: 'scale',
  title: 'mailboxes on one deployment: one minute of scheduleSync + renewSubscriptions at 100, 1,000 and 10,000 Graph mailboxes (2 subscriptions each)',
  async run({ print }) {
    const sim = await startGraphSimulator();
    const runs: MinuteFigures[] = [];
    try {
      for (const n of SIZES) runs.push(await measure(n, sim));
    } finally {
      await sim.stop();
    }
    const per = (v: number, n: number) => fixed(v / n, 3);
    const lines = table([
      ['mailboxes', 'Cosmos req/min', 'per mailbox', 'items read/min', 'per mailbox', 'queue msg/min', 'per mailbox', 'Graph req/min', 'renewals', 'per mailbox'],
      ...runs.map((r) => [
        String(r.mailboxes), String(r.cosmosRequests), per(r.cosmosRequests, r.mailboxes), String(r.itemsRead), per(r.itemsRead, r.mailboxes),
        String(r.queueMessages), per(r.queueMessages, r.mailboxes), String(r.graphRequests), String(r.renewed), per(r.renewed, r.mailboxes),
      ]),
    ]);
    for (const line of lines) print(line);
    for (const r of runs) {
      print(
        `${r.mailboxes}: schedule ${r.schedule.enqueued} enqueued from ${r.schedule.dueRead} due entries in ${r.schedule.pages} queries, ${r.schedule.channelsRead} channels read (${fixed(r.seconds.schedule, 1)} s); ` +
          `maintenance read ${r.maintenance.recordsRead} records, ${r.maintenance.channelsRead} channels, renewed ${r.renewed} of ${r.subscriptions} subscriptions (${r.deferred} deferred, ${r.tokenRequests} token requests, ${fixed(r.seconds.maintenance, 1)} s); seeded in ${fixed(r.seconds.seed, 1)} s`,
      );
    }
    const first = runs[0];
    const last = runs.at(-1);
    const growth = first && last ? (last.cosmosRequests / last.mailboxes) / (first.cosmosRequests / first.mailboxes) : NaN;
    print(`Cosmos requests per mailbox-minute at ${last?.mailboxes} ÷ at ${first?.mailboxes}: ${fixed(growth, 2)} (≤ 1: linear or better)`);
    const perMailbox = runs.map((r) => ({
      mailboxes: r.mailboxes, cosmosRequests: r.cosmosRequests / r.mailboxes, itemsRead: r.itemsRead / r.mailboxes, queueMessages: r.queueMessages / r.mailboxes,
    }));
    return { runs, perMailboxGrowth: growth, perMailbox };
  },
};
