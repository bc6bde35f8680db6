import assert from 'node:assert/strict';
import type http from 'node:http';
import { after, before, describe, test } from 'node:test';
import { startCountingProxy, type CountingProxy } from '../../../bench/counting-proxy';
import { resetCosmosClient, container } from '../../../shared/store/cosmos';
import { SCHEDULE_PARTITION, cosmosSyncScheduleStore, type ScheduleEntry } from '../../../shared/store/sync-schedule';
import { useEmulatorEnv, type EmulatorEnv } from './emulator-env';

/**
 * The schedule store's queries on the emulator behind a proxy that sorts each query request
 * by the partition it names: real Cosmos serves a query that names its partition from that
 * partition alone; one that does not is refused by the gateway (TOP/ORDER BY) and then fanned
 * out to every physical partition of `syncState`. The emulator ignores the partition key of
 * a query, so the rows prove the WHERE filter and the header proves the routing.
 */
const queryRoute = (req: http.IncomingMessage): string => {
  const isQuery = req.headers['x-ms-documentdb-isquery'] === 'true' || String(req.headers['content-type'] ?? '').includes('query+json');
  // dbs/{db}/colls/{coll}/docs[/{id}]: which container a document request went to
  const coll = new URL(req.url ?? '/', 'http://x').pathname.split('/')[4];
  if (req.method !== 'POST' || !isQuery) return coll ? `${req.method} ${coll}` : 'other';
  if (String(req.headers['x-ms-cosmos-is-query-plan-request'] ?? '').toLowerCase() === 'true') return 'query plan';
  const pk = req.headers['x-ms-documentdb-partitionkey'];
  return pk === undefined ? 'query across partitions' : `query in ${String(pk)}`;
};

const T0 = Date.parse('2026-12-01T10:00:00.000Z');
const iso = (ms: number) => new Date(T0 + ms).toISOString();
const entry = (i: number, dueInMs: number): ScheduleEntry => ({
  id: `ch-${i}`, channelId: SCHEDULE_PARTITION, kind: 'syncSchedule', forChannel: `ch-${i}`, intervalSeconds: 60, dueAt: iso(dueInMs), updatedAt: iso(0),
});

describe('the sync schedule store on the Cosmos emulator', () => {
  let env: EmulatorEnv;
  let proxy: CountingProxy;
  before(async () => {
    env = await useEmulatorEnv();
    proxy = await startCountingProxy(env.cosmos.port, queryRoute);
    process.env.COSMOS_ENDPOINT = `${proxy.origin}/`;
    resetCosmosClient();
    const schedule = await container('syncSchedule');
    // 30 entries, due 10 s apart from T0 - 150 s; beside them, documents of other partitions
    // with due-looking fields, which the WHERE must leave out (the emulator ignores the query's partition key).
    const entries = Array.from({ length: 30 }, (_, i) => entry(i, (i - 15) * 10_000));
    const others = Array.from({ length: 60 }, (_, i) => ({ id: `ch-${i}`, channelId: `channel-${i}`, kind: 'syncSchedule', forChannel: `ch-${i}`, dueAt: iso(-1_000_000) }));
    for (const d of [...entries, ...others]) await schedule.items.create(d);
  });
  after(async () => {
    await proxy?.stop();
    await env?.stop();
  });

  test('the due-time query returns the due entries of the schedule partition only, earliest first, without the excluded ones', async () => {
    const store = cosmosSyncScheduleStore();
    const page = await store.duePage(new Date(T0), 100, ['ch-0', 'ch-3']);
    const ids = page.map((p) => p.entry.id);
    assert.equal(ids.length, 14, 'entries 0..15 are due, 2 excluded');
    assert.ok(!ids.includes('ch-0') && !ids.includes('ch-3'));
    assert.deepEqual(page.map((p) => p.entry.dueAt), page.map((p) => p.entry.dueAt).sort());
    assert.ok(page.every((p) => p.entry.channelId === SCHEDULE_PARTITION && p.etag.length > 0));
    assert.deepEqual((await store.duePage(new Date(T0), 5, [])).map((p) => p.entry.id), ['ch-0', 'ch-1', 'ch-2', 'ch-3', 'ch-4'], 'TOP pages from the earliest');
    assert.equal((await store.listAll()).length, 30);
  });

  test('the due-time query and the full listing name the schedule partition, so real Cosmos asks that one partition, not every one', async () => {
    const store = cosmosSyncScheduleStore();
    proxy.reset();
    await store.duePage(new Date(T0), 10, []);
    await store.listAll();
    const counts = proxy.counts();
    assert.equal(counts['query across partitions'] ?? 0, 0, JSON.stringify(counts));
    assert.equal(counts[`query in ${JSON.stringify([SCHEDULE_PARTITION])}`], 2, JSON.stringify(counts));
  });

  test('the entries live in the syncSchedule container, not beside the folder states in syncState', async () => {
    const store = cosmosSyncScheduleStore();
    proxy.reset();
    const [due] = await store.duePage(new Date(T0), 1, []);
    assert.ok(due);
    assert.ok(await store.claim(due, { ...due.entry, dueAt: iso(60_000) }));
    await store.put(entry(99, 0));
    await store.remove('ch-99');
    await store.saveCursor({ fullAt: iso(0), updatedAt: iso(0) });
    const counts = proxy.counts();
    assert.ok(Object.keys(counts).every((k) => !k.includes('syncState')), JSON.stringify(counts));
    for (const k of ['PUT syncSchedule', 'POST syncSchedule', 'DELETE syncSchedule']) assert.ok((counts[k] ?? 0) > 0, `${k}: ${JSON.stringify(counts)}`);
    const inSyncState = await (await container('syncState')).items.query({ query: "SELECT VALUE COUNT(1) FROM c WHERE c.kind = 'syncSchedule'" }).fetchAll();
    assert.deepEqual(inSyncState.resources, [0]);
  });
});
