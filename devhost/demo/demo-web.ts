import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { GraphSimulator } from '../graph-simulator';
import type { DemoMessage, DemoMessageDetail } from './demo-message';
import { parseMail } from '../../shared/mail/parse';
import { sendTestMail, TestMailSpec } from './send-test';

/**
 * The demo mailboxes over plain HTTP on loopback, for the admin page and curl (the
 * simulator itself speaks https with a certificate no browser trusts):
 *
 *   GET  /demo                                             { address, smtp: { host, port }, mailboxes }
 *   GET  /demo/mailboxes                                   { items: [address] }
 *   GET  /demo/mailboxes/{address}/messages[?folder=Inbox] { items: DemoMessage[] }, newest first
 *   GET  /demo/mailboxes/{address}/messages/{id}           DemoMessageDetail: the message with its text and sanitized HTML body
 *   GET  /demo/mailboxes/{address}/messages/{id}/raw       the MIME, as a download
 *   POST /demo/send-test  {to?, from?, subject?, body?}    a sample mail through the SMTP intake
 *
 * Cross-origin reads are allowed for the given origins only (the local host's page); a
 * POST must be JSON, so another site cannot send one without passing the CORS preflight.
 */
export interface DemoWebOptions {
  sim: GraphSimulator;
  smtpPort: number;
  /** The demo channel's mailbox. */
  address: string;
  /** 0 = any free port. */
  port: number;
  allowedOrigins: string[];
}

export interface DemoWeb {
  readonly url: string;
  stop(): Promise<void>;
}

export type { DemoMessage, DemoMessageDetail };

const MAX_BODY = 200_000;

/** Every message of the mailbox (or of one folder), newest first. */
export function demoMessages(sim: GraphSimulator, address: string, folder?: string): DemoMessage[] {
  const folders = folder ? [folder] : sim.folderPaths(address);
  return folders
    .flatMap((f) => sim.folderMessages(address, f).map(({ immutableId: _i, restId: _r, folderId: _f, ...m }) => ({ ...m, folder: f })))
    .sort((a, b) => b.receivedDateTime.localeCompare(a.receivedDateTime));
}

/** A message with its body, parsed and sanitized as the pipeline does it (mail content is untrusted, the channel's answers included). */
export async function demoMessageDetail(sim: GraphSimulator, address: string, id: string): Promise<DemoMessageDetail | undefined> {
  const message = demoMessages(sim, address).find((m) => m.id === id);
  const raw = message ? sim.rawMessage(address, id) : undefined;
  if (!message || !raw) return undefined;
  const mail = await parseMail(raw);
  return { ...message, text: mail.text, ...(mail.html ? { html: mail.html } : {}) };
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' });
  res.end(JSON.stringify(body));
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new Error('body too large');
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  return text.trim() === '' ? {} : JSON.parse(text);
}

export async function startDemoWeb(opts: DemoWebOptions): Promise<DemoWeb> {
  const { sim } = opts;
  const cors = (req: IncomingMessage, res: ServerResponse) => {
    const origin = req.headers.origin;
    if (origin && opts.allowedOrigins.includes(origin)) {
      res.setHeader('access-control-allow-origin', origin);
      res.setHeader('vary', 'Origin');
    }
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    cors(req, res);
    const url = new URL(req.url ?? '/', 'http://demo.invalid');
    const parts = url.pathname.split('/').filter(Boolean).map((p) => decodeURIComponent(p));
    const method = req.method ?? 'GET';
    if (method === 'OPTIONS') {
      res.writeHead(204, { 'access-control-allow-methods': 'GET, POST', 'access-control-allow-headers': 'content-type', 'access-control-max-age': '600' });
      return void res.end();
    }
    if (parts[0] !== 'demo') return send(res, 404, { error: 'not_found' });
    if (method === 'GET' && parts.length === 1) return send(res, 200, { address: opts.address, smtp: { host: '127.0.0.1', port: opts.smtpPort }, mailboxes: sim.mailboxAddresses() });
    if (method === 'GET' && parts.length === 2 && parts[1] === 'mailboxes') return send(res, 200, { items: sim.mailboxAddresses() });
    if (method === 'GET' && parts[1] === 'mailboxes' && parts[2]) {
      const address = parts[2].toLowerCase();
      if (!sim.mailboxAddresses().includes(address)) return send(res, 404, { error: 'no_such_mailbox', message: `no demo mailbox ${address} (yet)` });
      if (parts.length === 4 && parts[3] === 'messages') return send(res, 200, { items: demoMessages(sim, address, url.searchParams.get('folder') ?? undefined) });
      if (parts.length === 5 && parts[3] === 'messages') {
        const detail = await demoMessageDetail(sim, address, parts[4] ?? '');
        return detail ? send(res, 200, detail) : send(res, 404, { error: 'no_such_message' });
      }
      if (parts.length === 6 && parts[3] === 'messages' && parts[5] === 'raw') {
        const raw = sim.rawMessage(address, parts[4] ?? '');
        if (!raw) return send(res, 404, { error: 'no_such_message' });
        // A download, never rendered here: mail content is untrusted.
        res.writeHead(200, { 'content-type': 'message/rfc822', 'content-disposition': 'attachment; filename="message.eml"', 'x-content-type-options': 'nosniff', 'cache-control': 'no-store' });
        return void res.end(raw);
      }
    }
    if (method === 'POST' && parts.length === 2 && parts[1] === 'send-test') {
      if (!(req.headers['content-type'] ?? '').toLowerCase().startsWith('application/json')) return send(res, 415, { error: 'unsupported_media_type', message: 'send JSON' });
      const spec = TestMailSpec.omit({ port: true }).safeParse(await readJson(req));
      if (!spec.success) return send(res, 400, { error: 'invalid', issues: spec.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })) });
      try {
        const sent = await sendTestMail({ ...spec.data, port: opts.smtpPort });
        return send(res, 202, { messageId: sent.messageId, to: spec.data.to });
      } catch (err) {
        return send(res, 422, { error: 'refused', message: (err as Error).message });
      }
    }
    return send(res, 404, { error: 'not_found' });
  };

  const server = http.createServer((req, res) => {
    handle(req, res).catch((err: unknown) => send(res, 400, { error: 'bad_request', message: (err as Error).message }));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, '127.0.0.1', () => resolve());
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
