import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import type { ChannelInput } from '../../shared/config/channel';
import type { GraphSimulator } from '../graph-simulator';
import { simulatorConnection } from '../graph-simulator/channel';

/**
 * The demo channel: `helpdesk@demo.test` on the simulator, made the way an admin makes a
 * channel — create, then publish, over the admin API with the admin key (no back door).
 * Made once per data folder (a marker file remembers it), so a demo channel the user
 * deleted stays deleted; after a restart on another simulator port it is re-pointed
 * with a merge patch, as an admin would after a mailbox moved. The marker records which
 * revision of the demo channel was made; a channel made by an older `npm start` is brought
 * up to date once, over the same API (see `upgradePatch`), so a user's later edits stay.
 */
export type SimulatorEndpoint = Pick<GraphSimulator, 'host' | 'port' | 'app' | 'tokenEndpoint'>;
export type SubscriptionView = Pick<GraphSimulator, 'subscriptions'>;

/** The demo's ticket template: its tickets take replies by mail, so the whole conversation can be seen. */
export const DEMO_TEMPLATE_ID = 'it-support';

/**
 * 1: the first demo channel (no whitelist: a reply to its acknowledgement went to the fail folder).
 * 2: its template whitelisted, so replies become notes.
 */
export const DEMO_CHANNEL_REVISION = 2;

export function demoChannelInput(sim: SimulatorEndpoint, address: string): z.input<typeof ChannelInput> {
  return {
    name: `Demo helpdesk (${address})`,
    description: 'Made by npm start: a simulated Microsoft 365 mailbox; send it mail with `npx mail-channel send-test` or any SMTP client to 127.0.0.1:2525.',
    connection: simulatorConnection(sim, address),
    folders: { read: ['Inbox'], success: 'Processed', fail: 'Failed' },
    // Empty = every sender domain: a newcomer writes from whatever address they like.
    domains: { allowed: [] },
    ticketMapping: { templateId: DEMO_TEMPLATE_ID, whitelist: [DEMO_TEMPLATE_ID] },
  };
}

/** What a stored demo channel must change to reach this simulator; undefined = nothing. */
export function repointPatch(current: { connection: { host: string; port: number; auth: { type: string; tokenEndpoint?: string } } }, sim: SimulatorEndpoint): Record<string, unknown> | undefined {
  const tokenEndpoint = sim.tokenEndpoint(sim.app.tenantId);
  const c = current.connection;
  if (c.host === sim.host && c.port === sim.port && c.auth.type === 'oauth' && c.auth.tokenEndpoint === tokenEndpoint) return undefined;
  // The secret goes along: the API sends a stored secret only where it was given for.
  return { connection: { host: sim.host, port: sim.port, auth: { tokenEndpoint, clientSecret: sim.app.clientSecret } } };
}

/**
 * What a demo channel made at an older revision must change to be what this version makes;
 * undefined = nothing. Only the changes since `revision`, applied once: a whitelist the user
 * edited after the upgrade is theirs.
 */
export function upgradePatch(current: { ticketMapping: { templateId: string; whitelist: string[] } }, revision: number): Record<string, unknown> | undefined {
  if (revision >= 2) return undefined;
  const { templateId, whitelist } = current.ticketMapping;
  // The channel's own template (locked after publish, so whatever it is): its tickets take replies.
  if (whitelist.includes(templateId)) return undefined;
  return { ticketMapping: { whitelist: [...whitelist, templateId] } };
}

/** One admin API call: `fetch` to the local host with the admin key. */
export type AdminCall = (method: string, route: string, body?: unknown) => Promise<{ status: number; body: unknown }>;

export function adminClient(baseUrl: string, adminKey: string): AdminCall {
  return async (method, route, body) => {
    const res = await fetch(`${baseUrl}/api/${route}`, {
      method,
      headers: { 'x-functions-key': adminKey, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    return { status: res.status, body: text ? (JSON.parse(text) as unknown) : {} };
  };
}

const Marker = z.object({
  channelId: z.string().min(1),
  address: z.string().min(1),
  /** Absent in markers written before revisions were recorded: revision 1. */
  revision: z.number().int().min(1).default(1),
});
const ChannelReply = z.object({
  id: z.string(),
  status: z.string(),
  connection: z.object({ host: z.string(), port: z.number(), auth: z.object({ type: z.string(), tokenEndpoint: z.string().optional() }) }),
  ticketMapping: z.object({ templateId: z.string(), whitelist: z.array(z.string()) }),
});

export type DemoChannelResult =
  | { kind: 'created' | 'kept' | 'repointed' | 'upgraded'; channelId: string; status: string }
  | { kind: 'deleted-by-user'; channelId: string };

function expect(res: { status: number; body: unknown }, status: number, what: string): unknown {
  if (res.status !== status) throw new Error(`${what}: HTTP ${res.status} ${JSON.stringify(res.body).slice(0, 500)}`);
  return res.body;
}

export async function ensureDemoChannel(call: AdminCall, sim: SimulatorEndpoint, address: string, markerFile: string): Promise<DemoChannelResult> {
  let marker: z.infer<typeof Marker> | undefined;
  try {
    marker = Marker.parse(JSON.parse(fs.readFileSync(markerFile, 'utf8')));
  } catch {
    marker = undefined; // a fresh data folder
  }
  if (marker) {
    const got = await call('GET', `channels/${encodeURIComponent(marker.channelId)}`);
    if (got.status === 404) return { kind: 'deleted-by-user', channelId: marker.channelId };
    const current = ChannelReply.parse(expect(got, 200, 'read the demo channel'));
    const upgrade = upgradePatch(current, marker.revision);
    const repoint = repointPatch(current, sim);
    let result: DemoChannelResult = { kind: 'kept', channelId: current.id, status: current.status };
    if (upgrade || repoint) {
      // Disjoint top-level members (ticketMapping, connection): one merge patch carries both.
      const patched = ChannelReply.parse(expect(await call('PATCH', `channels/${encodeURIComponent(current.id)}`, { ...upgrade, ...repoint }), 200, 'update the demo channel'));
      result = { kind: upgrade ? 'upgraded' : 'repointed', channelId: patched.id, status: patched.status };
    }
    if (marker.revision < DEMO_CHANNEL_REVISION) writeMarker(markerFile, { ...marker, revision: DEMO_CHANNEL_REVISION });
    return result;
  }
  const created = ChannelReply.parse(expect(await call('POST', 'channels', demoChannelInput(sim, address)), 201, 'create the demo channel'));
  writeMarker(markerFile, { channelId: created.id, address, revision: DEMO_CHANNEL_REVISION });
  const published = ChannelReply.parse(expect(await call('POST', `channels/${encodeURIComponent(created.id)}/publish`), 200, 'publish the demo channel'));
  return { kind: 'created', channelId: published.id, status: published.status };
}

function writeMarker(file: string, marker: z.infer<typeof Marker>): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify(marker, null, 2));
}

/**
 * The demo mailbox's change-notification subscription, made now rather than on the next
 * minute's tick of the subscription timer: without it, a mail a newcomer sends right after
 * start waits for the next poll. `runTimer` runs the app's own timer function (the host's
 * admin API, as an operator would); true once the simulator holds a subscription for the
 * mailbox that notifies `notificationUrl`, this host (false after `timeoutMs`: the timer
 * makes it on its next tick). A subscription restored from an earlier run that notifies
 * another address (the host came back on another port) does not count: a mail sent now
 * would be notified to nobody, and found only by the next poll.
 */
export async function subscribeNow(sim: SubscriptionView, mailbox: string, notificationUrl: string, runTimer: () => Promise<void>, timeoutMs = 20_000): Promise<boolean> {
  const subscribed = () => sim.subscriptions().some((sub) => sub.mailbox.toLowerCase() === mailbox.toLowerCase() && sub.notificationUrl === notificationUrl);
  if (subscribed()) return true;
  await runTimer();
  const deadline = Date.now() + timeoutMs;
  while (!subscribed()) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return true;
}

/** Runs a timer or queue function through the local host's admin API (`POST /admin/functions/{name}`, master key). */
export function hostFunctionRunner(baseUrl: string, masterKey: string, name: string): () => Promise<void> {
  return async () => {
    const res = await fetch(`${baseUrl}/admin/functions/${encodeURIComponent(name)}`, {
      method: 'POST',
      headers: { 'x-functions-key': masterKey, 'content-type': 'application/json' },
      body: '{}',
    });
    if (res.status !== 202) throw new Error(`run ${name}: HTTP ${res.status} ${(await res.text()).slice(0, 300)}`);
  };
}
