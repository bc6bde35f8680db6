import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { metrics } from '@opentelemetry/api';
import { AggregationTemporality, InMemoryMetricExporter, MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { createGraphMailSource } from '../../../shared/sources/graph';
import { clearFolderCache } from '../../../shared/sources/graph-folders';
import { MetricNames } from '../../../shared/telemetry';
import { startGraphSimulator, type GraphSimulator } from '../../../devhost/graph-simulator';
import { simulatorChannel, testMail } from '../../../devhost/graph-simulator/channel';

/**
 * The Graph throttling alert (infra/app/alerts.bicep) counts every attempt Graph answers
 * with 429, the retried ones included: sustained throttling shows even while retries succeed.
 */
process.env.COSMOS_ENDPOINT ??= 'http://127.0.0.1:1/';
const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 60_000 });
const provider = new MeterProvider({ readers: [reader] });
metrics.setGlobalMeterProvider(provider);

let sim: GraphSimulator;
before(async () => {
  sim = await startGraphSimulator({ latencyMs: 0 });
});
after(async () => {
  await sim.stop();
  await provider.shutdown();
});

async function throttledCount(): Promise<number> {
  await reader.forceFlush();
  const all = exporter.getMetrics().flatMap((r) => r.scopeMetrics.flatMap((s) => s.metrics));
  const m = all.filter((x) => x.descriptor.name === MetricNames.graphThrottled).at(-1);
  return m?.dataPoints.reduce((sum, p) => sum + Number(p.value), 0) ?? 0;
}

test('every attempt Graph answers with 429 is counted for the throttling alert, retried ones included; other answers are not', async () => {
  const mb = 'telemetry@contoso.example';
  sim.addMailbox(mb);
  clearFolderCache();
  const id = await sim.deliver(mb, 'inbox', testMail());
  const { channel, deps } = simulatorChannel(sim, { mailbox: mb, id: 'ch-telemetry' });
  const source = createGraphMailSource(channel, deps);

  assert.equal(await throttledCount(), 0);
  sim.injectFaults(2, { status: 429, retryAfterSeconds: 0, endpoint: 'messages.value' });
  await source.fetchRaw({ protocol: 'graph', folder: 'inbox', messageId: id });
  assert.equal(await throttledCount(), 2);

  sim.injectFaults(1, { status: 503, retryAfterSeconds: 0, endpoint: 'messages.value' });
  await source.fetchRaw({ protocol: 'graph', folder: 'inbox', messageId: id });
  assert.equal(await throttledCount(), 2, 'a 503 is not throttling');
  await source.close?.();
});
