import type { IncomingMessage, ServerResponse } from 'node:http';
import { adminAuthConfigFromEnv, authenticateAdmin, type AdminAuthConfig } from '../../shared/http/admin-auth';

/**
 * The demo inboxes (devhost/demo/demo-web.ts, its own loopback port) on the host's own
 * origin, under `/demo/...`: the admin page's CSP allows `connect-src 'self'` only, so the
 * page cannot read another port. Local host only (Azure has no demo, and this host is never
 * deployed), and only when `npm start` runs the demo (DEMO_WEB_URL set, on loopback).
 *
 * Each request needs the admin key, like the admin API: the inboxes hold mail content (the
 * channel's answers, ticket numbers) and POST /demo/send-test sends mail, and the host may
 * listen on more than loopback (`--hostname`). The key travels in a header, so another
 * site cannot make the browser send one without a CORS preflight, which this mount never
 * answers.
 */
export const DEMO_PREFIX = '/demo';
const METHODS = new Set(['GET', 'POST']);
/** The answer headers worth passing back (the demo's JSON, or its .eml download). */
const PASSED_HEADERS = ['content-type', 'content-disposition', 'cache-control'];

export interface DemoMount {
  target: string;
  handle(req: IncomingMessage, res: ServerResponse, url: URL, body: Buffer): Promise<void>;
}

export function isDemoPath(pathname: string): boolean {
  return pathname === DEMO_PREFIX || pathname.startsWith(`${DEMO_PREFIX}/`);
}

function isLoopbackHttp(raw: string): boolean {
  try {
    const u = new URL(raw);
    return u.protocol === 'http:' && (u.hostname === '127.0.0.1' || u.hostname === 'localhost' || u.hostname === '[::1]');
  } catch {
    return false;
  }
}

function answer(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' });
  res.end(JSON.stringify(body));
}

export function demoMount(target: string, auth: AdminAuthConfig): DemoMount {
  return {
    target,
    async handle(req, res, url, body) {
      const headers = { get: (name: string) => { const v = req.headers[name.toLowerCase()]; return (Array.isArray(v) ? v[0] : v) ?? null; } };
      const who = authenticateAdmin(headers, auth);
      if (!who.ok) return answer(res, who.status, { error: who.status === 401 ? 'unauthorized' : 'forbidden', message: who.message });
      const method = req.method ?? 'GET';
      if (!METHODS.has(method)) return answer(res, 405, { error: 'method_not_allowed', message: 'GET or POST' });
      let upstream: Response;
      try {
        upstream = await fetch(new URL(`${url.pathname}${url.search}`, target), {
          method,
          headers: req.headers['content-type'] ? { 'content-type': String(req.headers['content-type']) } : {},
          ...(method === 'POST' ? { body } : {}),
          redirect: 'manual',
        });
      } catch (err) {
        return answer(res, 502, { error: 'demo_unavailable', message: `the demo mailbox does not answer: ${(err as Error).message}${(err as Error).cause ? ` (${String((err as Error).cause)})` : ""}` });
      }
      const out: Record<string, string> = { 'x-content-type-options': 'nosniff' };
      for (const h of PASSED_HEADERS) {
        const v = upstream.headers.get(h);
        if (v) out[h] = v;
      }
      res.writeHead(upstream.status, out);
      res.end(Buffer.from(await upstream.arrayBuffer()));
    },
  };
}

/** The mount when the demo runs (DEMO_WEB_URL, loopback http only), else undefined: `/demo` is then a 404 like any unknown path. */
export function demoMountFromEnv(env: Record<string, string | undefined>): DemoMount | undefined {
  const target = env.DEMO_WEB_URL;
  if (!target || !isLoopbackHttp(target)) return undefined;
  return demoMount(target, adminAuthConfigFromEnv(env));
}
