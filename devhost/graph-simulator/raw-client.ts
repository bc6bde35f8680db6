import tls from 'node:tls';
import { Agent, fetch as undiciFetch } from 'undici';
import type { GraphSimulator } from './index';

/**
 * Plain HTTPS calls to the simulator, for tests of its wire format (what the SDKs hide):
 * status codes, headers, error bodies, paging links.
 */
export interface RawResponse {
  status: number;
  headers: Headers;
  text: string;
  json: unknown;
}

const agents = new WeakMap<GraphSimulator, Agent>();

function agentFor(sim: GraphSimulator): Agent {
  let a = agents.get(sim);
  if (!a) {
    a = new Agent({ connect: { ca: [...tls.rootCertificates, sim.caCertPem] } });
    agents.set(sim, a);
  }
  return a;
}

export async function rawRequest(
  sim: GraphSimulator,
  url: string,
  init: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<RawResponse> {
  const res = await undiciFetch(url, { method: init.method ?? 'GET', headers: init.headers ?? {}, ...(init.body !== undefined ? { body: init.body } : {}), dispatcher: agentFor(sim) });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers as unknown as Headers, text, json };
}

/** A Graph access token for the simulator's default app, straight from its token endpoint. */
export async function rawToken(sim: GraphSimulator, scope = 'https://graph.microsoft.com/.default'): Promise<string> {
  const r = await rawRequest(sim, sim.tokenEndpoint(sim.app.tenantId), {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', client_id: sim.app.clientId, client_secret: sim.app.clientSecret, scope }).toString(),
  });
  const token = (r.json as { access_token?: string } | undefined)?.access_token;
  if (!token) throw new Error(`no token: ${r.status} ${r.text}`);
  return token;
}
