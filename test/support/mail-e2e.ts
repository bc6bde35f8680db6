import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import type { TestStack } from './stack';

/**
 * Helpers for end-to-end mail tests through the real host: admin API calls as an admin
 * would make them with curl, and raw RFC 822 mails as clients write them.
 */
export async function api<T = Record<string, unknown>>(stack: TestStack, method: string, path: string, body?: unknown): Promise<{ status: number; body: T; headers: Headers }> {
  const res = await fetch(`${stack.baseUrl}/api/${path}`, {
    method,
    headers: { 'x-functions-key': stack.adminKey, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : {}) as T, headers: res.headers };
}

/** Creates and publishes a channel; returns its id. */
export async function publishChannel(stack: TestStack, input: Record<string, unknown>): Promise<string> {
  const created = await api<{ id: string }>(stack, 'POST', 'channels', input);
  assert.equal(created.status, 201, `create channel: ${JSON.stringify(created.body)}`);
  const published = await api<{ status: string }>(stack, 'POST', `channels/${created.body.id}/publish`);
  assert.equal(published.status, 200, `publish channel: ${JSON.stringify(published.body)}`);
  assert.equal(published.body.status, 'published');
  return created.body.id;
}

export interface MailSpec {
  from?: string;
  to?: string;
  subject: string;
  body?: string;
  messageId?: string | null;
  headers?: Record<string, string>;
}

/** A plain-text RFC 822 mail with CRLF line ends. `messageId: null` leaves the header out. */
export function rfc822(spec: MailSpec): Buffer {
  const id = spec.messageId === undefined ? `<${crypto.randomUUID()}@client.example.org>` : spec.messageId;
  const lines = [
    `From: ${spec.from ?? 'Alice Example <alice@example.org>'}`,
    `To: ${spec.to ?? 'Service Desk <desk@example.com>'}`,
    `Subject: ${spec.subject}`,
    `Date: ${new Date().toUTCString()}`,
    ...(id ? [`Message-ID: ${id}`] : []),
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    'Content-Transfer-Encoding: 8bit',
    ...Object.entries(spec.headers ?? {}).map(([k, v]) => `${k}: ${v}`),
    '',
    spec.body ?? `Hello,\r\n\r\n${spec.subject}.\r\n\r\nRegards,\r\nAlice`,
    '',
  ];
  return Buffer.from(lines.join('\r\n'), 'utf8');
}

export interface LedgerItem {
  id: string;
  state: string;
  outcome?: string;
  reasonCode?: string;
  reason?: string;
  ticketId?: string;
  subject?: string;
  duplicates: unknown[];
  source: { folder: string };
}

export async function ledger(stack: TestStack, channelId: string): Promise<LedgerItem[]> {
  const res = await api<{ items: LedgerItem[] }>(stack, 'GET', `channels/${channelId}/messages?limit=200`);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body.items;
}

export async function tickets(stack: TestStack, channelId: string): Promise<{ id: string; title: string; attachments: unknown[] }[]> {
  const res = await api<{ items: { id: string; title: string; attachments: unknown[] }[] }>(stack, 'GET', `tickets?channelId=${encodeURIComponent(channelId)}`);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body.items;
}

/** Polls `check` until it returns true (the host works in the background), then one more settle. */
export async function eventually(stack: TestStack, check: () => Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    await stack.settle(timeoutMs);
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for: ${what}\n--- host log (tail) ---\n${stack.logs().slice(-4000)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
