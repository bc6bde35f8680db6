import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import http from 'node:http';
import type { TestStack } from './stack';
import { api, ledger, tickets } from './mail-e2e';

/**
 * The checks of the 60 MB end-to-end tests (test/integration/*-large-mail.test.ts): the
 * host streams such a mail (shared/pipeline/large-mail.ts), and the attachment the admin
 * API hands out must have the original's SHA-256.
 */
export const LARGE_ATTACHMENT_BYTES = 44 * 1024 * 1024;

/** Attachments up to 64 MiB are allowed on the test host; the default 25 MiB would block the 44 MiB one. */
export const LARGE_MAIL_HOST_ENV = { MAX_ATTACHMENT_MIB: '64' };

export async function syncAndSettle(stack: TestStack, channelId: string): Promise<void> {
  const res = await api(stack, 'POST', `channels/${channelId}/sync`);
  assert.equal(res.status, 202, JSON.stringify(res.body));
  await stack.settle(240_000);
}

/** The one ticket of the channel, its attachment downloaded through the admin API. */
export async function storedAttachmentOf(stack: TestStack, channelId: string): Promise<{ title: string; sha256: string; size: number }> {
  const made = await tickets(stack, channelId);
  assert.equal(made.length, 1, `one ticket; ledger: ${JSON.stringify((await ledger(stack, channelId)).map((r) => [r.state, r.outcome, r.reasonCode, r.reason]))}`);
  const ticket = made[0]!;
  assert.equal(ticket.attachments.length, 1, JSON.stringify(ticket.attachments));
  // its own connection (closed after): the 44 MiB answer does not share a socket with the API calls
  const { status, sha256, size } = await new Promise<{ status: number; sha256: string; size: number }>((resolve, reject) => {
    const req = http.get(`${stack.baseUrl}/api/tickets/${encodeURIComponent(ticket.id)}/attachments/0`, { agent: false, headers: { 'x-functions-key': stack.adminKey } }, (res) => {
      const hash = createHash('sha256');
      let n = 0;
      res.on('data', (chunk: Buffer) => {
        hash.update(chunk);
        n += chunk.length;
      });
      res.once('end', () => resolve({ status: res.statusCode ?? 0, sha256: hash.digest('hex'), size: n }));
      res.once('error', reject);
    });
    req.once('error', reject);
  });
  assert.equal(status, 200);
  return { title: ticket.title, sha256, size };
}
