import { test } from 'node:test';
import assert from 'node:assert/strict';
import { metrics } from '@opentelemetry/api';
import { AggregationTemporality, InMemoryMetricExporter, MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import {
  MetricNames, needsReauthorization, recordGraphThrottled, recordMailOutcome, recordPoisonMessage, recordSubscriptionFailure, recordSyncFailure,
} from '../../../shared/telemetry';

// One provider for the file: the OpenTelemetry API takes a global provider once per process.
process.env.COSMOS_ENDPOINT ??= 'http://127.0.0.1:1/';
const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 60_000 });
const provider = new MeterProvider({ readers: [reader] });
metrics.setGlobalMeterProvider(provider);

async function collected(name: string) {
  await reader.forceFlush();
  const all = exporter.getMetrics().flatMap((r) => r.scopeMetrics.flatMap((s) => s.metrics));
  return all.filter((m) => m.descriptor.name === name).at(-1);
}

test.after(() => provider.shutdown());

test('each finished mail counts once per outcome and records its latency, with ids and codes only', async () => {
  recordMailOutcome({ channelId: 'c1', protocol: 'imap', outcome: 'created', latencyMs: 1200 });
  recordMailOutcome({ channelId: 'c1', protocol: 'imap', outcome: 'created', latencyMs: 800 });
  recordMailOutcome({ channelId: 'c1', protocol: 'graph', outcome: 'rejected', reasonCode: 'SENDER_DOMAIN_NOT_ALLOWED' });

  const outcomes = await collected('mailchannel.mail.outcomes');
  const created = outcomes?.dataPoints.find((p) => p.attributes.outcome === 'created');
  const rejected = outcomes?.dataPoints.find((p) => p.attributes.outcome === 'rejected');
  assert.equal(created?.value, 2);
  assert.equal(rejected?.value, 1);
  assert.equal(rejected?.attributes.reasonCode, 'SENDER_DOMAIN_NOT_ALLOWED');
  const latency = await collected('mailchannel.mail.latency');
  const hist = latency?.dataPoints.find((p) => p.attributes.outcome === 'created')?.value as { count: number; sum: number } | undefined;
  assert.equal(hist?.count, 2);
  assert.equal(hist?.sum, 2000);
});

test('poison messages, failed syncs, failed subscription actions and Graph 429s are counted under the names the alerts query', async () => {
  recordPoisonMessage({ result: 'recorded' });
  recordPoisonMessage({ result: 'recorded' });
  recordSyncFailure({ channelId: 'c1', code: 'GRAPH_AUTH' });
  recordSyncFailure({ channelId: 'c1', code: 'GRAPH_THROTTLED' });
  recordSubscriptionFailure({ channelId: 'c2', action: 'renew', code: 'GRAPH_NOT_FOUND' });
  recordGraphThrottled();
  recordGraphThrottled();
  recordGraphThrottled();

  const poisoned = await collected(MetricNames.poisonMessages);
  assert.deepEqual(poisoned?.dataPoints.map((p) => [p.attributes, p.value]), [[{ result: 'recorded' }, 2]]);

  const syncs = (await collected(MetricNames.syncFailures))?.dataPoints ?? [];
  assert.deepEqual(syncs.map((p) => [p.attributes, p.value]), [
    [{ channelId: 'c1', code: 'GRAPH_AUTH', reauthorize: 'true' }, 1],
    [{ channelId: 'c1', code: 'GRAPH_THROTTLED', reauthorize: 'false' }, 1],
  ]);

  const subs = await collected(MetricNames.subscriptionFailures);
  assert.deepEqual(subs?.dataPoints.map((p) => [p.attributes, p.value]), [[{ channelId: 'c2', action: 'renew', code: 'GRAPH_NOT_FOUND' }, 1]]);

  assert.equal((await collected(MetricNames.graphThrottled))?.dataPoints[0]?.value, 3);
});

test('only credential errors ask an admin to re-authorize a channel; transient ones do not', () => {
  for (const code of ['AUTH_REJECTED', 'AUTH_SECRET_MISSING', 'GRAPH_AUTH', 'GRAPH_MAILBOX_OUT_OF_SCOPE', 'AUTH_MANAGED_IDENTITY_UNAVAILABLE', 'IMAP_AUTH']) assert.equal(needsReauthorization(code), true, code);
  for (const code of ['AUTH_UNAVAILABLE', 'GRAPH_THROTTLED', 'GRAPH_NETWORK', 'IMAP_AUTH_UNAVAILABLE', 'SYNC_FAILED']) assert.equal(needsReauthorization(code), false, code);
});
