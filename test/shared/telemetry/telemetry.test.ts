import { test } from 'node:test';
import assert from 'node:assert/strict';
import { metrics } from '@opentelemetry/api';
import { AggregationTemporality, InMemoryMetricExporter, MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { recordMailOutcome } from '../../../shared/telemetry';

test('each finished mail counts once per outcome and records its latency, with ids and codes only', async () => {
  process.env.COSMOS_ENDPOINT ??= 'http://127.0.0.1:1/';
  const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 60_000 });
  const provider = new MeterProvider({ readers: [reader] });
  metrics.setGlobalMeterProvider(provider);

  recordMailOutcome({ channelId: 'c1', protocol: 'imap', outcome: 'created', latencyMs: 1200 });
  recordMailOutcome({ channelId: 'c1', protocol: 'imap', outcome: 'created', latencyMs: 800 });
  recordMailOutcome({ channelId: 'c1', protocol: 'graph', outcome: 'rejected', reasonCode: 'SENDER_DOMAIN_NOT_ALLOWED' });
  await reader.forceFlush();

  const all = exporter.getMetrics().flatMap((r) => r.scopeMetrics.flatMap((s) => s.metrics));
  const outcomes = all.find((m) => m.descriptor.name === 'mailchannel.mail.outcomes');
  const created = outcomes?.dataPoints.find((p) => p.attributes.outcome === 'created');
  const rejected = outcomes?.dataPoints.find((p) => p.attributes.outcome === 'rejected');
  assert.equal(created?.value, 2);
  assert.equal(rejected?.value, 1);
  assert.equal(rejected?.attributes.reasonCode, 'SENDER_DOMAIN_NOT_ALLOWED');
  const latency = all.find((m) => m.descriptor.name === 'mailchannel.mail.latency');
  const hist = latency?.dataPoints.find((p) => p.attributes.outcome === 'created')?.value as { count: number; sum: number } | undefined;
  assert.equal(hist?.count, 2);
  assert.equal(hist?.sum, 2000);
  await provider.shutdown();
});
