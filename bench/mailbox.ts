import type { GraphSimulator } from '../devhost/graph-simulator';
import type { ChannelSpec } from './protocol';
import type { SampleMail } from './mails';

/** A published Graph channel for `mailbox` on the simulator, with the simulator's app registration. */
export function channelSpec(sim: GraphSimulator, id: string, mailbox: string): ChannelSpec {
  return {
    id,
    mailbox,
    host: sim.host,
    port: sim.port,
    tenantId: sim.app.tenantId,
    clientId: sim.app.clientId,
    clientSecret: sim.app.clientSecret,
    tokenEndpoint: sim.tokenEndpoint(sim.app.tenantId),
  };
}

/** Delivers the mails into the mailbox's Inbox, one after another (receive times in that order). */
export async function deliverAll(sim: GraphSimulator, mailbox: string, mails: readonly SampleMail[]): Promise<void> {
  for (const m of mails) await sim.deliver(mailbox, 'Inbox', m.raw);
}

/** Graph requests of one mailbox since the last counter reset, by endpoint (token service apart). */
export function graphCounts(sim: GraphSimulator, mailbox?: string): { mailboxRequests: number; byEndpoint: Record<string, number>; tokenRequests: number; discovery: number; throttled429: number } {
  const byEndpoint: Record<string, number> = {};
  let mailboxRequests = 0;
  let throttled429 = 0;
  for (const r of sim.requests) {
    if (r.endpoint === 'token' || r.endpoint === 'openid-configuration') continue;
    if (mailbox && r.mailbox !== mailbox.toLowerCase()) continue;
    mailboxRequests++;
    byEndpoint[r.endpoint] = (byEndpoint[r.endpoint] ?? 0) + 1;
    if (r.status === 429) throttled429++;
  }
  const stats = sim.stats();
  return { mailboxRequests, byEndpoint, tokenRequests: stats.tokenRequests, discovery: stats.perEndpoint['openid-configuration'] ?? 0, throttled429 };
}
