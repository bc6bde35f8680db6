import type { TokenCredential } from '@azure/identity';
import {
  AuthenticationHandler,
  Client,
  HTTPMessageHandler,
  RetryHandler,
  RetryHandlerOptions,
  TelemetryHandler,
  type Context,
  type FetchOptions,
  type Middleware,
} from '@microsoft/microsoft-graph-client';
import { TokenCredentialAuthenticationProvider } from '@microsoft/microsoft-graph-client/authProviders/azureTokenCredentials';
import { Agent } from 'undici';
import { caBundle, GRAPH_DEFAULT_SCOPE } from './credential';
import { assertLiteralAllowed, guardedLookup, targetPolicyFromEnv, type TargetPolicy } from '../net/connect-target';
import { recordGraphThrottled } from '../telemetry';

/**
 * The Microsoft Graph client for one mailbox connection.
 *
 * Middleware chain (the library's own parts, plus one of ours):
 *   AuthenticationHandler (TokenCredentialAuthenticationProvider)
 *   → RetryHandler (429/503/504; honours Retry-After; bounded by the channel's retryCount)
 *   → TelemetryHandler (client-request-id)
 *   → the request gate (per-mailbox pacing and concurrency, learning from 429s; per-attempt timeout)
 *   → HTTPMessageHandler (fetch).
 * The gate sits after the retry handler so every attempt, retries included, is paced, and a
 * request waiting out a Retry-After does not hold one of the mailbox's few concurrency slots.
 * The retry handler still waits out each 429's Retry-After itself; the gate makes the rest of
 * the mailbox's requests wait with it (sources/graph-pacing.ts).
 *
 * Graph's client only sends the token to Microsoft's Graph hosts and to `customHosts`, and
 * only over https; a local stand-in is therefore https too and listed in `customHosts`.
 */

/** Microsoft's Graph hosts (global and national clouds): no `customHosts` needed. */
const MICROSOFT_GRAPH_HOSTS = new Set(['graph.microsoft.com', 'graph.microsoft.us', 'dod-graph.microsoft.us', 'microsoftgraph.chinacloudapi.cn', 'graph.microsoft.de', 'canary.graph.microsoft.com']);

/** What the gate learns from an attempt: its status and, for a 429, the Retry-After in ms. */
export interface AttemptOutcome {
  status?: number;
  retryAfterMs?: number;
}

/**
 * Runs one HTTP attempt when the mailbox's budget and a slot allow (see sources/graph-pacing.ts).
 * It may refuse with an error carrying `retryAfterMs` (the mailbox is paused for longer than
 * `maxWaitMs`): the attempt is then answered 429 here, without being sent.
 */
export type RequestGate = <T extends AttemptOutcome>(attempt: () => Promise<T>, maxWaitMs: number) => Promise<T>;

export interface GraphEndpoint {
  host: string;
  port: number;
  tls: 'implicit' | 'starttls' | 'none';
}

export interface GraphClientOptions {
  credential: TokenCredential;
  endpoint: GraphEndpoint;
  /** Retries of 429/503/504 inside the client (0–10). */
  maxRetries: number;
  /** Back-off when the response gives no Retry-After (ms). */
  backoffMs: number;
  /** A Retry-After longer than this is not waited out in-process: the call fails (transient) instead. */
  maxInProcessWaitMs: number;
  /** Per HTTP attempt. */
  timeoutMs: number;
  gate?: RequestGate;
  /** Extra CA certificates (PEM) to trust — local stand-ins only. */
  trustedCaPem?: string | string[];
  /** Headers sent with every request (e.g. `Prefer: IdType="ImmutableId"`). */
  defaultHeaders?: Record<string, string>;
  /** Which addresses the Graph host may resolve to; default: the app setting MAIL_ALLOW_PRIVATE_HOSTS. */
  targetPolicy?: TargetPolicy;
}

/**
 * One undici dispatcher per trust and address policy, shared by every client (keep-alive
 * across mail): its sockets resolve through the address check, so the access token only goes
 * to an address that passed it.
 */
const dispatchers = new Map<string, Agent>();
function dispatcherFor(ca: string[] | undefined, policy: TargetPolicy): Agent {
  const key = JSON.stringify([ca ?? null, policy.allowPrivate]);
  let agent = dispatchers.get(key);
  if (!agent) {
    agent = new Agent({ connect: { lookup: guardedLookup(policy), ...(ca ? { ca } : {}) } });
    dispatchers.set(key, agent);
  }
  return agent;
}

export function isMicrosoftGraphHost(host: string): boolean {
  return MICROSOFT_GRAPH_HOSTS.has(host.toLowerCase());
}

/** `https://host[:port]/` for the client's `baseUrl`. */
export function graphBaseUrl(endpoint: GraphEndpoint): string {
  if (endpoint.tls === 'none') {
    // The Graph client never attaches a token to a plain-http URL, so such a host cannot work.
    throw new Error('Graph needs TLS: connection.tls "none" is not possible for protocol "graph"');
  }
  const port = endpoint.port === 443 ? '' : `:${endpoint.port}`;
  return `https://${endpoint.host}${port}/`;
}

/** The token scope for a Graph host: its own `/.default` for Microsoft clouds, Graph's for stand-ins. */
export function graphScope(host: string): string {
  return isMicrosoftGraphHost(host) ? `https://${host.toLowerCase()}/.default` : GRAPH_DEFAULT_SCOPE;
}

/** Seconds from a Retry-After header (delta-seconds or HTTP date). */
export function retryAfterSeconds(value: string | null | undefined, now = Date.now()): number | undefined {
  if (value === null || value === undefined || value.trim() === '') return undefined;
  const n = Number(value);
  if (!Number.isNaN(n)) return Math.max(0, n);
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, (at - now) / 1000);
}

/** A refusal by the gate: the mailbox is paused for `retryAfterMs` more. */
function pausedFor(err: unknown): number | undefined {
  if (!(err instanceof Error) || !('retryAfterMs' in err)) return undefined;
  return typeof err.retryAfterMs === 'number' ? err.retryAfterMs : undefined;
}

/** The 429 a paused mailbox gets without a request being sent, as Graph would answer it. */
function pausedResponse(retryAfterMs: number): Response {
  const body = { error: { code: 'ApplicationThrottled', message: 'Graph asked to pause requests for this mailbox; not sent.' } };
  return new Response(JSON.stringify(body), { status: 429, headers: { 'Content-Type': 'application/json', 'Retry-After': String(Math.ceil(retryAfterMs / 1000)) } });
}

/** Per-attempt timeout and the per-mailbox gate, as a Graph middleware. */
class GateMiddleware implements Middleware {
  private next?: Middleware;
  constructor(
    private readonly gate: RequestGate,
    private readonly timeoutMs: number,
    private readonly maxWaitMs: number,
  ) {}
  setNext(next: Middleware): void {
    this.next = next;
  }
  async execute(context: Context): Promise<void> {
    const next = this.next;
    if (!next) throw new Error('GateMiddleware must not be last in the chain');
    try {
      await this.gate(async (): Promise<AttemptOutcome> => {
        context.options = { ...context.options, signal: AbortSignal.timeout(this.timeoutMs) };
        await next.execute(context);
        const status = context.response?.status;
        if (status !== 429) return { status };
        // every throttled attempt, retried or not: the alert on sustained throttling counts these
        recordGraphThrottled();
        const hint = retryAfterSeconds(context.response?.headers.get('retry-after'));
        return { status, ...(hint !== undefined ? { retryAfterMs: hint * 1000 } : {}) };
      }, this.maxWaitMs);
    } catch (err) {
      const paused = pausedFor(err);
      if (paused === undefined) throw err;
      context.response = pausedResponse(paused);
    }
  }
}

const passThrough: RequestGate = (attempt) => attempt();

export function createGraphClient(opts: GraphClientOptions): Client {
  const { host } = opts.endpoint;
  const policy = opts.targetPolicy ?? targetPolicyFromEnv();
  assertLiteralAllowed(host, policy, 'Graph host');
  const authProvider = new TokenCredentialAuthenticationProvider(opts.credential, { scopes: [graphScope(host)] });
  const maxWaitSeconds = opts.maxInProcessWaitMs / 1000;
  const retryOptions = new RetryHandlerOptions(
    Math.min(180, Math.max(0, opts.backoffMs / 1000)),
    Math.min(10, Math.max(0, opts.maxRetries)),
    (_delay, _attempt, _request, _options, response) => {
      const hint = retryAfterSeconds(response.headers.get('retry-after'));
      return hint === undefined || hint <= maxWaitSeconds;
    },
  );
  const middleware: Middleware[] = [
    new AuthenticationHandler(authProvider),
    new RetryHandler(retryOptions),
    new TelemetryHandler(),
    new GateMiddleware(opts.gate ?? passThrough, opts.timeoutMs, opts.maxInProcessWaitMs),
    new HTTPMessageHandler(),
  ];
  const ca = caBundle(opts.trustedCaPem);
  const fetchOptions: FetchOptions & { dispatcher?: Agent } = {
    ...(opts.defaultHeaders ? { headers: opts.defaultHeaders } : {}),
    // Node's fetch is undici: the dispatcher carries the address check (and a stand-in's CA).
    dispatcher: dispatcherFor(ca, policy),
  };
  return Client.initWithMiddleware({
    baseUrl: graphBaseUrl(opts.endpoint),
    middleware,
    fetchOptions,
    ...(isMicrosoftGraphHost(host) ? {} : { customHosts: new Set([host.toLowerCase()]) }),
  });
}
