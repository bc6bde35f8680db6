import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { HostLog } from '../host-log';
import type { Invoker } from '../invoke';
import { handleAdmin, type AdminContext } from './admin';
import { isDemoPath, type DemoMount } from './demo-mount';
import type { HttpRouter } from './http-functions';
import { isAuthorized, presentedKey } from './keys';
import { toRpcHttpRequest, writeRpcHttpResponse } from './rpc-http';

/**
 * The host's HTTP front: `/{routePrefix}/...` to HTTP-triggered functions (route
 * precedence, methods, function keys → 401), `/admin/...` to the admin API, `/demo/...` to
 * the demo inboxes when `npm start` runs the demo (demo-mount.ts), `/` to a small home
 * page, anything else 404. A function that throws gives 500 with no body.
 */
export interface HttpServerOptions {
  host: string;
  port: number;
  routePrefix: string;
  router: HttpRouter;
  invoker: Invoker;
  admin: AdminContext;
  /** The demo inboxes on this origin, when the demo runs. */
  demo?: DemoMount;
  log: HostLog;
}

export interface RunningHttpServer {
  port: number;
  close(): Promise<void>;
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function empty(res: ServerResponse, status: number): void {
  res.writeHead(status, { 'content-length': '0' });
  res.end();
}

/** The path under the route prefix, or undefined when the request is outside it. */
function underPrefix(pathname: string, prefix: string): string | undefined {
  if (prefix === '') return pathname;
  const p = `/${prefix}`.toLowerCase();
  const lower = pathname.toLowerCase();
  if (lower === p) return '/';
  if (lower.startsWith(`${p}/`)) return pathname.slice(p.length);
  return undefined;
}

export async function startHttpServer(opts: HttpServerOptions): Promise<RunningHttpServer> {
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', `http://${req.headers.host ?? `${opts.host}:${opts.port}`}`);
    const body = await readBody(req);
    if (/^\/admin(\/|$)/i.test(url.pathname)) return handleAdmin(req, res, url, body, opts.admin);
    if (opts.demo && isDemoPath(url.pathname)) return opts.demo.handle(req, res, url, body);
    if (url.pathname === '/' && opts.routePrefix !== '') {
      const page = 'Your Functions 4.0 app is up and running (devhost).';
      res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(page) });
      res.end(page);
      return;
    }
    const path = underPrefix(url.pathname, opts.routePrefix);
    const hit = path === undefined ? undefined : opts.router.match(req.method ?? 'GET', path);
    if (!hit) return empty(res, 404);
    if (!isAuthorized(hit.fn.authLevel, presentedKey(req.headers, url.searchParams), opts.admin.keys)) return empty(res, 401);

    const outcome = await opts.invoker.invoke({
      registration: hit.fn.registration,
      inputData: [{ name: hit.fn.bindingName, data: toRpcHttpRequest(req, url, body, hit.params) }],
      triggerMetadata: {},
      reason: `This function was programmatically called via the host APIs.`,
    });
    if (outcome.error !== undefined || !outcome.response) return empty(res, 500);
    writeRpcHttpResponse(res, outcome.response.returnValue);
  };

  const server = http.createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      opts.log.error(`HTTP request failed in the host: ${err instanceof Error ? err.stack ?? err.message : String(err)}`);
      if (!res.headersSent) empty(res, 500);
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
