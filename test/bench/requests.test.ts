import { test } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import { requests } from '../../bench/requests';

/**
 * Smoke test of benchmark 2 (`npm run bench -- requests`) on its real world (Azurite, the
 * Cosmos emulator, the Graph simulator, a worker process): it runs to the end, and what it
 * counts is what it claims to count. Figures are not asserted beyond the Graph calls the
 * design fixes (the benchmark is where they are measured), only their presence and shape.
 */
const Counts = z.object({
  graph: z.number(),
  graphByEndpoint: z.record(z.string(), z.number()),
  cosmos: z.object({ reads: z.number(), writes: z.number(), queries: z.number(), metadata: z.number(), byKind: z.record(z.string(), z.number()) }),
});
const Figures = z.object({
  perReply: Counts,
  perAutoResponse: z.object({ inPipeline: Counts, sendJob: Counts, total: Counts }),
  graphCallsPerReply: z.number(),
  cosmosOpsPerReply: z.number(),
  graphCallsPerAutoResponse: z.number(),
  cosmosOpsPerAutoResponse: z.number(),
  graphCallsPerMail: z.number(),
  cosmosOpsPerMail: z.number(),
});

test('benchmark 2 counts a reply that became a note (fetch + move) and an acknowledgement (its outbox record, then one sendMail by the send job), and prints them as table rows', async () => {
  const lines: string[] = [];
  const figures = Figures.parse(await requests.run({ print: (line) => lines.push(line), earlier: {} }));

  assert.deepEqual(figures.perReply.graphByEndpoint, { 'messages.move': 1, 'messages.value': 1 });
  assert.equal(figures.graphCallsPerReply, 2);
  assert.ok(figures.perReply.cosmos.byKind['create tickets'], 'the note is written into the tickets container');

  assert.deepEqual(figures.perAutoResponse.inPipeline.graphByEndpoint, {}, 'acknowledging costs the new-ticket mail no Graph call');
  assert.equal(figures.perAutoResponse.inPipeline.cosmos.byKind['create outbox'], 1);
  assert.deepEqual(figures.perAutoResponse.sendJob.graphByEndpoint, { sendMail: 1 });
  assert.equal(figures.graphCallsPerAutoResponse, 1);
  const all = figures.perAutoResponse.total.cosmos;
  assert.equal(figures.cosmosOpsPerAutoResponse, all.reads + all.writes + all.queries + all.metadata);

  for (const row of ['reply → note', 'acknowledgement: added to its mail', 'acknowledgement: send job', 'acknowledgement: in all'])
    assert.ok(lines.some((l) => l.trimStart().startsWith(row)), `a table row "${row}"`);
});
