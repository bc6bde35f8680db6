import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import type { InvocationRecord } from '../invoke';
import { isAuthorized, presentedKey, type HostKeys } from './keys';

/**
 * The host's admin API, the part Functions Core Tools offers and the tests use:
 *
 * - `POST /admin/functions/{name}` with `{ "input": "..." }` runs a non-HTTP function
 *   (master key). Answers 202 Accepted at once; the invocation runs in the background.
 *   As a local addition the response carries `x-devhost-invocation-id`.
 * - `GET /admin/functions` lists the functions (master key).
 * - `GET /admin/host/status` (master key), `GET /admin/host/ping` (anonymous).
 * - Local addition: `GET /admin/devhost/invocations[?function=name]` and
 *   `GET /admin/devhost/invocations/{id}` report invocations (master key), so tests can
 *   wait for an outcome instead of sleeping.
 */
export interface AdminContext {
  keys: HostKeys;
  hostId: string;
  startedAt: number;
  functions(): { name: string; trigger: string; inError: boolean; queueName?: string; bindings: unknown }[];
  /** Starts a non-HTTP function; undefined when no such function, an error text when it cannot run that way. */
  invoke(name: string, input: string): { invocationId: string } | { error: string; status: number } | undefined;
  invocations(): InvocationRecord[];
}

const InvokeBody = z.object({ input: z.string().optional() }).loose();

function json(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function empty(res: ServerResponse, status: number, headers: Record<string, string> = {}): void {
  res.writeHead(status, { ...headers, 'content-length': '0' });
  res.end();
}

export async function handleAdmin(req: IncomingMessage, res: ServerResponse, url: URL, body: Buffer, ctx: AdminContext): Promise<void> {
  const path = url.pathname.replace(/\/+$/, '');
  const method = (req.method ?? 'GET').toUpperCase();

  if (path.toLowerCase() === '/admin/host/ping') return empty(res, 200);
  if (!isAuthorized('admin', presentedKey(req.headers, url.searchParams), ctx.keys)) return empty(res, 401);

  if (path.toLowerCase() === '/admin/host/status' && method === 'GET') {
    return json(res, 200, {
      id: ctx.hostId,
      state: 'Running',
      version: '4.1036.1.0',
      versionDetails: 'devhost (mail-channel local Functions host)',
      processUptime: Date.now() - ctx.startedAt,
    });
  }
  if (path.toLowerCase() === '/admin/functions' && method === 'GET') {
    return json(res, 200, ctx.functions());
  }
  const invokeMatch = /^\/admin\/functions\/([^/]+)$/i.exec(path);
  if (invokeMatch && method === 'POST') {
    let input = '';
    try {
      const parsed = InvokeBody.parse(body.length ? JSON.parse(body.toString('utf8')) : {});
      input = parsed.input ?? '';
    } catch {
      return json(res, 400, { error: 'body must be JSON like {"input": "..."} with a string input' });
    }
    const result = ctx.invoke(decodeURIComponent(invokeMatch[1] ?? ''), input);
    if (!result) return empty(res, 404);
    if ('error' in result) return json(res, result.status, { error: result.error });
    return empty(res, 202, { 'x-devhost-invocation-id': result.invocationId });
  }
  const one = /^\/admin\/devhost\/invocations\/([^/]+)$/i.exec(path);
  if (one && method === 'GET') {
    const rec = ctx.invocations().find((r) => r.id === one[1]);
    return rec ? json(res, 200, rec) : empty(res, 404);
  }
  if (path.toLowerCase() === '/admin/devhost/invocations' && method === 'GET') {
    const fn = url.searchParams.get('function')?.toLowerCase();
    return json(res, 200, ctx.invocations().filter((r) => !fn || r.functionName.toLowerCase() === fn));
  }
  return empty(res, 404);
}
