import { metrics, type Attributes, type Counter } from '@opentelemetry/api';
import { DefaultAzureCredential } from '@azure/identity';
import { settings } from '../config/settings';

/**
 * Telemetry: mail outcomes and latencies, and the few failure signals the alerts in
 * infra/app/alerts.bicep watch, as OpenTelemetry metrics exported to Application Insights
 * (applicationinsights 3.x = Azure Monitor OpenTelemetry; counters arrive in `customMetrics`
 * as deltas, attributes in `customDimensions`) when `APPLICATIONINSIGHTS_CONNECTION_STRING`
 * is set. Ingestion is authenticated with the app's managed identity (the infra turns
 * key-based ingestion off). Without the setting (local, tests) the OpenTelemetry API is a
 * no-op; the ledger remains the per-mail record.
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

/** Every metric the app emits; infra/app/alerts.bicep queries these names (test/infra checks it). */
export const MetricNames = {
  mailOutcomes: 'mailchannel.mail.outcomes',
  mailLatency: 'mailchannel.mail.latency',
  poisonMessages: 'mailchannel.mail.poisoned',
  syncFailures: 'mailchannel.sync.failures',
  subscriptionFailures: 'mailchannel.graph.subscription.failures',
  graphThrottled: 'mailchannel.graph.throttled',
} as const;

const meter = () => metrics.getMeter('mail-channel');
let instruments: { outcomes: Counter; latency: ReturnType<ReturnType<typeof meter>['createHistogram']> } | undefined;
const counters = new Map<string, Counter>();

/** Telemetry never breaks the work it observes: settings it cannot read leave it off. */
function startQuietly(): void {
  try {
    startTelemetry();
  } catch {
    // the app's own settings check reports this where it matters
  }
}

function count(name: string, description: string, attributes: Attributes): void {
  startQuietly();
  let counter = counters.get(name);
  if (!counter) {
    counter = meter().createCounter(name, { description });
    counters.set(name, counter);
  }
  counter.add(1, attributes);
}

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
  startQuietly();
  instruments ??= {
    outcomes: meter().createCounter(MetricNames.mailOutcomes, { description: 'mails by final outcome' }),
    latency: meter().createHistogram(MetricNames.mailLatency, { description: 'mailbox receipt to done', unit: 'ms' }),
  };
  const attributes = { channelId: e.channelId, protocol: e.protocol, outcome: e.outcome, ...(e.reasonCode ? { reasonCode: e.reasonCode } : {}) };
  instruments.outcomes.add(1, attributes);
  if (e.latencyMs !== undefined) instruments.latency.record(e.latencyMs, attributes);
}

/**
 * One message the host gave up on after its retries (a `recordFailure` run on the poison
 * queue), whatever became of it: `result` is recordFailure's answer ('recorded', 'finished', …).
 */
export function recordPoisonMessage(e: { result: string }): void {
  count(MetricNames.poisonMessages, 'messages the host moved to a poison queue, by what recordFailure made of them', { result: e.result });
}

/**
 * Error codes that only an admin can clear by fixing the channel's access — a refused secret,
 * a revoked consent, a wrong password; for a managed-identity channel, no identity, the Graph
 * permissions not granted, or the mailbox outside the app's Exchange scope: retrying never helps.
 */
export const REAUTHORIZATION_CODES: readonly string[] = [
  'AUTH_REJECTED', 'AUTH_REAUTHORIZATION_REQUIRED', 'AUTH_SECRET_MISSING', 'AUTH_UNSUPPORTED', 'AUTH_MANAGED_IDENTITY_UNAVAILABLE', 'GRAPH_AUTH', 'GRAPH_MAILBOX_OUT_OF_SCOPE', 'IMAP_AUTH',
];

export const needsReauthorization = (code: string): boolean => REAUTHORIZATION_CODES.includes(code);

/** One failed mailbox sync, with its error code and whether it needs an admin to re-authorize the channel. */
export function recordSyncFailure(e: { channelId: string; code: string }): void {
  count(MetricNames.syncFailures, 'mailbox syncs that failed, by error code', {
    channelId: e.channelId,
    code: e.code,
    reauthorize: needsReauthorization(e.code) ? 'true' : 'false',
  });
}

/** One Graph change-notification subscription that could not be created, renewed or deleted. */
export function recordSubscriptionFailure(e: { channelId: string; action: string; code: string }): void {
  count(MetricNames.subscriptionFailures, 'Graph subscription actions that failed', { channelId: e.channelId, action: e.action, code: e.code });
}

/** One HTTP attempt Graph answered with 429 (every attempt, retried or not). */
export function recordGraphThrottled(): void {
  count(MetricNames.graphThrottled, 'Graph requests answered 429 Too Many Requests', {});
}
