import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import query from '@zeit/cosmosdb-query';
import { makeEmulatorQueriesLinear } from '../../devhost/cosmos-query-linear';
import { startCosmos } from '../../devhost/emulators';

/**
 * The emulator's generated query code, before and after devhost/cosmos-query-linear.ts.
 * Queries compiled before the patch keep their (quadratic) code, so each query is compiled
 * once unpatched first, then again patched, and both run over the same documents.
 */
const QUERIES = [
  "SELECT * FROM c WHERE c.channelId = @p AND c.kind = 'syncSchedule' AND c.dueAt <= @now AND NOT ARRAY_CONTAINS(@exclude, c.id) ORDER BY c.dueAt",
  'SELECT TOP 3 c.id, c.dueAt FROM c WHERE c.channelId = @p ORDER BY c.dueAt DESC',
  'SELECT VALUE COUNT(1) FROM c WHERE c.kind = @kind',
  'SELECT c.id, t FROM c JOIN t IN c.tags',
  'SELECT c.id, t, u FROM c JOIN t IN c.tags JOIN u IN c.tags WHERE t < u',
  "SELECT c.id FROM c JOIN (SELECT VALUE t FROM t IN c.tags WHERE t = 'b')",
  'SELECT * FROM c.nested n',
  'SELECT VALUE c.id FROM c WHERE ARRAY_LENGTH(c.tags) > 1',
];

function documents(n: number): Record<string, unknown>[] {
  return Array.from({ length: n }, (_, i) => ({
    id: `d${i}`,
    _rid: `r${String(i).padStart(7, '0')}`,
    channelId: i % 5 === 0 ? '~sync-schedule' : `ch${i % 7}`,
    kind: i % 5 === 0 ? 'syncSchedule' : 'subscription',
    dueAt: new Date(Date.UTC(2026, 0, 1) + ((i * 7919) % n) * 1000).toISOString(),
    ...(i % 3 === 0 ? { tags: ['a', 'b', 'c'].slice(0, 1 + (i % 3)) } : i % 3 === 1 ? { tags: ['b', 'c'] } : {}),
    ...(i % 4 === 0 ? { nested: { at: i } } : {}),
  }));
}

const parameters = [
  { name: '@p', value: '~sync-schedule' },
  { name: '@now', value: '2026-01-01T00:00:40.000Z' },
  { name: '@exclude', value: ['d5', 'd10'] },
  { name: '@kind', value: 'syncSchedule' },
];

describe('the local Cosmos emulator scans a container in linear work', () => {
  test('every query shape gives the same rows, in the same order, as the unpatched emulator', () => {
    const docs = documents(200);
    const unpatched = QUERIES.map((q) => {
      const compiled = query(q);
      assert.match(compiled.code, /\.\.\.\$[,\]]/, `the library copies its accumulator in: ${q}`);
      return compiled;
    });
    makeEmulatorQueriesLinear();
    makeEmulatorQueriesLinear(); // idempotent: wrapping twice would still be correct, but it is not done
    QUERIES.forEach((q, i) => {
      const patched = query(q);
      assert.doesNotMatch(patched.code, /\.\.\.\$[,\]]/, `no accumulator copy left in: ${q}`);
      const before = unpatched[i]!.exec(docs, { parameters });
      const after = patched.exec(docs, { parameters });
      assert.ok((before.result as unknown[]).length > 0 || q.includes('COUNT'), `the query finds rows: ${q}`);
      assert.deepEqual(after, before, q);
    });
  });

  test('a paged ORDER BY query continues from its continuation token as before', () => {
    makeEmulatorQueriesLinear();
    const docs = documents(500);
    const q = "SELECT * FROM c WHERE c.channelId = @p AND c.kind = 'syncSchedule' ORDER BY c.dueAt";
    const pages: string[][] = [];
    let continuation: { token: string } | undefined;
    do {
      const page = query(q).exec(docs, { parameters, maxItemCount: 30, continuation }) as { result: { id: string }[]; continuation: { token: string } | null };
      pages.push(page.result.map((d) => d.id));
      continuation = page.continuation ?? undefined;
    } while (continuation);
    const all = pages.flat();
    assert.equal(all.length, 100);
    assert.equal(new Set(all).size, 100, 'no row twice across pages');
  });

  // The unpatched code copies its accumulator per document: ~n²/2 row copies, which for
  // 100,000 documents takes far longer than the test timeout (measured: 50,000 took 170 s).
  test('a due-time query over 100,000 documents of one container finishes (the 10,000-mailbox scale bench)', () => {
    makeEmulatorQueriesLinear();
    const docs = documents(100_000);
    const { result } = query(`SELECT TOP 500 * FROM c WHERE c.channelId = @p AND c.kind = 'syncSchedule' AND c.dueAt <= @now AND NOT ARRAY_CONTAINS(@exclude, c.id) ORDER BY c.dueAt`).exec(docs, {
      parameters: [...parameters.slice(0, 2), { name: '@now', value: '2026-01-02T00:00:00.000Z' }, { name: '@exclude', value: [] }],
    }) as { result: { dueAt: string }[] };
    assert.equal(result.length, 500);
    assert.deepEqual(result.map((d) => d.dueAt), result.map((d) => d.dueAt).sort());
  });

  test('startCosmos applies it before the emulator answers', async () => {
    const cosmos = await startCosmos();
    try {
      assert.match(query('SELECT * FROM c WHERE c.x = 1').code, /\.flatMap\(/);
    } finally {
      await cosmos.stop();
    }
  });
});
