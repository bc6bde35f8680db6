import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes, randomUUID } from 'node:crypto';
import { KNOWN_RESOURCES, type TokenService } from './token-service';

/**
 * The App Service / Azure Functions managed identity endpoint (protocol 2019-08-01), as the
 * platform serves it inside the sandbox: plain http on loopback, at IDENTITY_ENDPOINT, guarded
 * by the X-IDENTITY-HEADER secret from IDENTITY_HEADER.
 *
 *   GET /msi/token?api-version=2019-08-01&resource=https://graph.microsoft.com[&client_id=…]
 *   → 200 { access_token, expires_on: "<epoch seconds>", resource, token_type: "Bearer", client_id }
 *
 * Tokens come from the simulator's token service, so its Graph API accepts them like the
 * client-credentials ones; the identity's client id is the token's `appid`.
 */
export interface ManagedIdentityOptions {
  /** Client id of the system-assigned identity's service principal. */
  systemAssignedClientId?: string;
  /** Client ids of user-assigned identities attached to the "app". */
  userAssignedClientIds?: string[];
}

export interface ManagedIdentityEndpoint {
  /** `http://127.0.0.1:PORT/msi/token` — the value for IDENTITY_ENDPOINT. */
  readonly endpoint: string;
  /** The value for IDENTITY_HEADER. */
  readonly header: string;
  readonly systemAssignedClientId: string;
  readonly userAssignedClientIds: readonly string[];
  /** Requests received (any answer). */
  readonly requests: number;
  /** Environment for a process that is to use this identity. */
  env(): { IDENTITY_ENDPOINT: string; IDENTITY_HEADER: string };
  stop(): Promise<void>;
}

const API_VERSION = '2019-08-01';

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

export async function startManagedIdentityEndpoint(tokens: TokenService, tenantId: string, opts: ManagedIdentityOptions = {}): Promise<ManagedIdentityEndpoint> {
  const systemAssignedClientId = opts.systemAssignedClientId ?? randomUUID();
  const userAssigned = (opts.userAssignedClientIds ?? []).map((c) => c.toLowerCase());
  const header = randomBytes(16).toString('hex');
  let requests = 0;

  const error = (res: ServerResponse, status: number, message: string) => send(res, status, { statusCode: status, message, correlationId: randomUUID() });

  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    requests++;
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (req.method !== 'GET' || url.pathname !== '/msi/token') return error(res, 404, 'Not found');
    if (req.headers['x-identity-header'] !== header) return error(res, 401, 'The X-IDENTITY-HEADER header is missing or does not match.');
    const version = url.searchParams.get('api-version');
    if (version !== API_VERSION) {
      return send(res, 400, { error: { code: 'UnsupportedApiVersion', message: `The HTTP resource that matches the request URI '${url.href}' does not support the API version '${version ?? ''}'.` } });
    }
    const resource = (url.searchParams.get('resource') ?? '').replace(/\/+$/, '');
    if (!KNOWN_RESOURCES.includes(resource)) return error(res, 400, `The resource '${resource}' is not known to the identity provider.`);
    const asked = url.searchParams.get('client_id');
    if (url.searchParams.has('principal_id') || url.searchParams.has('mi_res_id') || url.searchParams.has('object_id')) {
      return error(res, 400, 'Unable to load the proper Managed Identity.');
    }
    if (asked && !userAssigned.includes(asked.toLowerCase())) return error(res, 400, 'Unable to load the proper Managed Identity.');
    const clientId = asked ?? systemAssignedClientId;
    const { accessToken, expiresOn } = tokens.issue(clientId, tenantId, resource);
    send(res, 200, { access_token: accessToken, expires_on: String(expiresOn), resource, token_type: 'Bearer', client_id: clientId });
  };

  const server = http.createServer(handle);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}/msi/token`;
  return {
    endpoint,
    header,
    systemAssignedClientId,
    userAssignedClientIds: userAssigned,
    get requests() {
      return requests;
    },
    env: () => ({ IDENTITY_ENDPOINT: endpoint, IDENTITY_HEADER: header }),
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
