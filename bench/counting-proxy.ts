import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A plain-HTTP reverse proxy on 127.0.0.1 that forwards every request to an emulator and
 * counts it by a class the caller names (e.g. Cosmos "read"/"write"/"query"). The count is
 * of real requests on the wire, whatever the SDK does above (retries, metadata reads).
 * Used only where counts are measured: it adds a hop, so throughput runs go direct.
 */
export type Classify = (req: http.IncomingMessage) => string;

export interface CountingProxy {
  /** `http://127.0.0.1:PORT` */
  readonly origin: string;
  readonly port: number;
  /** Requests per class since the last reset (a class key `status:NNN` counts non-2xx answers too). */
  counts(): Record<string, number>;
  /** TCP connections clients opened to the proxy since the last reset (a client that reuses connections opens few). */
  connections(): number;
  /** Items the answers carried (Cosmos' `x-ms-item-count` header of query pages) since the last reset: what a query read, not how many requests it took. */
  items(): number;
  reset(): void;
  stop(): Promise<void>;
}

export async function startCountingProxy(targetPort: number, classify: Classify): Promise<CountingProxy> {
  let counts: Record<string, number> = {};
  let connections = 0;
  let items = 0;
  const bump = (key: string) => {
    counts[key] = (counts[key] ?? 0) + 1;
  };
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  const server = http.createServer((req, res) => {
    const cls = classify(req);
    bump(cls);
    const upstream = http.request(
      { host: '127.0.0.1', port: targetPort, method: req.method, path: req.url, headers: req.headers, agent },
      (up) => {
        if ((up.statusCode ?? 0) >= 300) bump(`${cls} ${up.statusCode}`);
        items += Number(up.headers['x-ms-item-count'] ?? 0) || 0;
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    upstream.on('error', (err) => {
      if (!res.headersSent) res.writeHead(502);
      res.end(String(err));
    });
    req.pipe(upstream);
  });
  server.on('connection', () => void connections++);
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    origin: `http://127.0.0.1:${port}`,
    port,
    counts: () => ({ ...counts }),
    connections: () => connections,
    items: () => items,
    reset: () => {
      counts = {};
      connections = 0;
      items = 0;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
        agent.destroy();
      }),
  };
}

const header = (req: http.IncomingMessage, name: string) => String(req.headers[name] ?? '').toLowerCase();

/**
 * Cosmos DB REST requests by kind and container: `read ledger`, `replace ledger`,
 * `create tickets`, `batch threadIndex` (a transactional batch), `query tickets`, `metadata` (account, database, collection and
 * partition-key-range reads the SDK makes to route requests), `setup` (creating databases
 * and containers).
 */
export function classifyCosmos(req: http.IncomingMessage): string {
  const url = new URL(req.url ?? '/', 'http://x');
  const parts = url.pathname.split('/').filter(Boolean);
  const method = req.method ?? 'GET';
  // dbs/{db}/colls/{coll}/docs[/{id}]
  if (parts[0] === 'dbs' && parts[2] === 'colls' && parts[4] === 'docs') {
    const coll = parts[3] ?? '?';
    if (parts.length === 5 && method === 'POST') {
      if (header(req, 'x-ms-documentdb-isquery') === 'true' || String(req.headers['content-type'] ?? '').includes('query+json')) return `query ${coll}`;
      // a transactional batch is one request (and one operation to the service) whatever it holds
      if (header(req, 'x-ms-cosmos-is-batch-request') === 'true') return `batch ${coll}`;
      return header(req, 'x-ms-documentdb-is-upsert') === 'true' ? `upsert ${coll}` : `create ${coll}`;
    }
    if (parts.length === 6) {
      if (method === 'GET') return `read ${coll}`;
      if (method === 'PUT') return `replace ${coll}`;
      if (method === 'DELETE') return `delete ${coll}`;
      if (method === 'PATCH') return `patch ${coll}`;
    }
  }
  if (method === 'POST' || method === 'PUT') return 'setup';
  return 'metadata';
}

/** Azurite blob requests: `blob write` (PUT of a blob), `blob read`, `container` (create/exists). */
export function classifyBlob(req: http.IncomingMessage): string {
  const url = new URL(req.url ?? '/', 'http://x');
  const isContainer = url.searchParams.get('restype') === 'container';
  if (isContainer) return 'blob container';
  if (req.method === 'PUT') return 'blob write';
  if (req.method === 'GET' || req.method === 'HEAD') return 'blob read';
  return `blob ${req.method?.toLowerCase() ?? '?'}`;
}

/** Sums the counts whose class starts with one of the prefixes (ignoring the `… NNN` status lines). */
export function sumCounts(counts: Record<string, number>, prefixes: readonly string[]): number {
  let n = 0;
  for (const [k, v] of Object.entries(counts)) {
    if (/ \d{3}$/.test(k)) continue;
    if (prefixes.some((p) => k === p || k.startsWith(`${p} `))) n += v;
  }
  return n;
}
