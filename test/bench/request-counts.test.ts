import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cosmosOps, difference, total, type RequestCounts } from '../../bench/request-counts';

const counts = (over: { graph?: Record<string, number>; cosmos?: Record<string, number>; reads?: number; writes?: number; tokens?: number }): RequestCounts => {
  const graphByEndpoint = over.graph ?? {};
  return {
    graph: Object.values(graphByEndpoint).reduce((n, v) => n + v, 0),
    graphByEndpoint,
    tokenRequests: over.tokens ?? 0,
    openidDiscovery: 0,
    cosmos: { reads: over.reads ?? 0, writes: over.writes ?? 0, queries: 0, metadata: 0, byKind: over.cosmos ?? {} },
    blob: { writes: 1, reads: 0, containerChecks: 0 },
    newConnections: { cosmos: 0, blob: 0 },
  };
};

const acknowledged = counts({
  graph: { 'messages.value': 1, 'messages.move': 1 },
  reads: 9,
  writes: 12,
  cosmos: { 'create outbox': 1, 'create threadIndex': 5, 'read answerCounters': 3, 'create ledger': 1 },
});
const notAcknowledged = counts({ graph: { 'messages.value': 1, 'messages.move': 1 }, reads: 6, writes: 9, cosmos: { 'create threadIndex': 4, 'create ledger': 1 } });
const sendJob = counts({ graph: { sendMail: 1 }, reads: 2, writes: 2, cosmos: { 'read outbox': 1, 'replace outbox': 2, 'read channels': 1 } });

test("what an acknowledgement adds to its mail is the difference, class by class, and classes both sides used alike drop out", () => {
  const added = difference(acknowledged, notAcknowledged);
  assert.equal(added.graph, 0);
  assert.deepEqual(added.graphByEndpoint, {});
  assert.deepEqual(added.cosmos.byKind, { 'create outbox': 1, 'create threadIndex': 1, 'read answerCounters': 3 });
  assert.equal(cosmosOps(added), 6);
  assert.equal(added.blob.writes, 0);
});

test('an acknowledgement in all is its share of the mail plus the send job', () => {
  const all = total(difference(acknowledged, notAcknowledged), sendJob);
  assert.equal(all.graph, 1);
  assert.deepEqual(all.graphByEndpoint, { sendMail: 1 });
  assert.equal(cosmosOps(all), 10);
  assert.deepEqual(all.cosmos.byKind, { 'create outbox': 1, 'create threadIndex': 1, 'read answerCounters': 3, 'read outbox': 1, 'replace outbox': 2, 'read channels': 1 });
});

test('a class only the subtracted side used shows as negative, not hidden', () => {
  assert.deepEqual(difference(notAcknowledged, acknowledged).cosmos.byKind, { 'create outbox': -1, 'create threadIndex': -1, 'read answerCounters': -3 });
});
