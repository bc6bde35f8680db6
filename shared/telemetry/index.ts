import { metrics } from '@opentelemetry/api';
import { DefaultAzureCredential } from '@azure/identity';
import { settings } from '../config/settings';

/**
 * Telemetry: mail outcomes and latencies as OpenTelemetry metrics, exported to
 * Application Insights (applicationinsights 3.x = Azure Monitor OpenTelemetry) when
 * `APPLICATIONINSIGHTS_CONNECTION_STRING` is set. Ingestion is authenticated with the
 * app's managed identity (the infra turns key-based ingestion off). Without the setting
 * (local, tests) the OpenTelemetry API is a no-op; the ledger remains the per-mail record.
 * Values never include addresses, subjects or secrets: ids, outcomes and codes only.
 */
let started = false;

export function startTelemetry(): void {
  if (started) return;
  started = true;
  const connectionString = settings().APPLICATIONINSIGHTS_CONNECTION_STRING;
  if (!connectionString) return;
  // loaded only when used: the SDK takes over a second to load, a cost for every cold start otherwise
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { useAzureMonitor } = require('applicationinsights') as typeof import('applicationinsights');
  useAzureMonitor({ azureMonitorExporterOptions: { connectionString, credential: new DefaultAzureCredential() } });
}

const meter = () => metrics.getMeter('mail-channel');
let instruments: { outcomes: ReturnType<ReturnType<typeof meter>['createCounter']>; latency: ReturnType<ReturnType<typeof meter>['createHistogram']> } | undefined;

export interface MailOutcomeEvent {
  channelId: string;
  protocol: string;
  outcome: string;
  reasonCode?: string;
  /** Mailbox receipt → done, when known. */
  latencyMs?: number;
}

/** One processed mail: counter `mailchannel.mail.outcomes` and histogram `mailchannel.mail.latency`. */
export function recordMailOutcome(e: MailOutcomeEvent): void {
  startTelemetry();
  instruments ??= {
    outcomes: meter().createCounter('mailchannel.mail.outcomes', { description: 'mails by final outcome' }),
    latency: meter().createHistogram('mailchannel.mail.latency', { description: 'mailbox receipt to done', unit: 'ms' }),
  };
  const attributes = { channelId: e.channelId, protocol: e.protocol, outcome: e.outcome, ...(e.reasonCode ? { reasonCode: e.reasonCode } : {}) };
  instruments.outcomes.add(1, attributes);
  if (e.latencyMs !== undefined) instruments.latency.record(e.latencyMs, attributes);
}
