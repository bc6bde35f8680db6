import { ChannelRecord } from '../../shared/config/channel';
import type { GraphSimulator } from './index';

/**
 * A published Graph channel pointing at a running simulator, and the secret lookup that
 * goes with it — what a test (or the benchmark) hands to `createGraphMailSource`.
 */
export interface SimulatorChannel {
  channel: ChannelRecord;
  /** The simulator listens on loopback: allowed, as the local stack's MAIL_ALLOW_PRIVATE_HOSTS does. */
  deps: { getSecret(ref: string): Promise<string | undefined>; trustedCaPem: string; targetPolicy: { allowPrivate: boolean } };
}

export interface SimulatorChannelOptions {
  mailbox?: string;
  /** Override the client secret the channel presents (e.g. a wrong one). */
  clientSecret?: string;
  retryCount?: number;
  backoffMs?: number;
  timeoutMs?: number;
  id?: string;
}

export function simulatorChannel(sim: GraphSimulator, opts: SimulatorChannelOptions = {}): SimulatorChannel {
  const now = new Date().toISOString();
  const secretRef = `channel-${opts.id ?? 'graph-test'}-client-secret`;
  const channel = ChannelRecord.parse({
    id: opts.id ?? 'graph-test',
    status: 'published',
    name: 'Graph test channel',
    connection: {
      protocol: 'graph',
      host: sim.host,
      port: sim.port,
      tls: 'implicit',
      username: opts.mailbox ?? 'support@contoso.example',
      auth: {
        type: 'oauth',
        flow: 'clientCredentials',
        tenantId: sim.app.tenantId,
        clientId: sim.app.clientId,
        clientSecret: { ref: secretRef, updatedAt: now },
        tokenEndpoint: sim.tokenEndpoint(sim.app.tenantId),
      },
      settings: {
        retryCount: opts.retryCount ?? 3,
        backoffMs: opts.backoffMs ?? 1000,
        timeoutMs: opts.timeoutMs ?? 30_000,
      },
    },
    ticketMapping: { templateId: 'tpl-1' },
    createdAt: now,
    createdBy: 'test',
    updatedAt: now,
    updatedBy: 'test',
    publishedAt: now,
  });
  const secret = opts.clientSecret ?? sim.app.clientSecret;
  return {
    channel,
    deps: {
      getSecret: async (ref) => (ref === secretRef ? secret : undefined),
      trustedCaPem: sim.caCertPem,
      targetPolicy: { allowPrivate: true },
    },
  };
}

let counter = 0;

/** A small RFC 822 mail with a unique Message-ID. */
export function testMail(opts: { subject?: string; from?: string; to?: string; body?: string; messageId?: string; date?: Date } = {}): string {
  counter++;
  const id = opts.messageId ?? `<test-${Date.now()}-${counter}@customer.example>`;
  return [
    `From: ${opts.from ?? 'Customer <customer@customer.example>'}`,
    `To: ${opts.to ?? 'support@contoso.example'}`,
    `Subject: ${opts.subject ?? `Test mail ${counter}`}`,
    `Date: ${(opts.date ?? new Date()).toUTCString()}`,
    `Message-ID: ${id}`,
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    '',
    opts.body ?? `Hello, this is test mail number ${counter}.`,
    '',
  ].join('\r\n');
}

/** The connection of a Graph channel for `mailbox` on the simulator: its host, port and app, the client secret in clear. */
export function simulatorConnection(sim: Pick<GraphSimulator, 'host' | 'port' | 'app' | 'tokenEndpoint'>, mailbox: string) {
  return {
    protocol: 'graph' as const,
    host: sim.host,
    port: sim.port,
    tls: 'implicit' as const,
    username: mailbox,
    auth: {
      type: 'oauth' as const,
      flow: 'clientCredentials' as const,
      tenantId: sim.app.tenantId,
      clientId: sim.app.clientId,
      clientSecret: sim.app.clientSecret,
      tokenEndpoint: sim.tokenEndpoint(sim.app.tenantId),
    },
  };
}

/**
 * The admin-API body (ChannelInput) of a Graph channel for `mailbox` on the simulator, as
 * an admin would POST it: the client secret in clear (write-only), the simulator's token
 * endpoint. `connection` fields in `over.connection` are merged in.
 */
export function simulatorChannelInput(sim: GraphSimulator, mailbox: string, over: { connection?: Record<string, unknown> } = {}) {
  return {
    name: `Microsoft 365 ${mailbox}`,
    connection: {
      ...simulatorConnection(sim, mailbox),
      settings: { retryCount: 3, backoffMs: 500, timeoutMs: 30_000 },
      ...over.connection,
    },
    folders: { read: ['Inbox'], success: 'Processed', fail: 'Failed' },
    domains: { allowed: ['example.org'] },
    ticketMapping: { templateId: 'it-support' },
  };
}
