import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { LineReader } from '../../../../shared/admin/connection-test/probe-net';

/** A loopback server that writes `payload` to whoever connects, and a client socket to it. */
async function serverSaying(payload: Buffer): Promise<{ client: net.Socket; close: () => Promise<void> }> {
  const server = net.createServer((s) => {
    s.on('error', () => undefined);
    s.write(payload);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const client = net.connect((server.address() as net.AddressInfo).port, '127.0.0.1');
  client.on('error', () => undefined);
  await new Promise((r) => client.once('connect', r));
  return {
    client,
    close: async () => {
      client.destroy();
      server.close();
      await new Promise((r) => setImmediate(r));
    },
  };
}

test('lines are read across chunks with CRLF or LF ends', async () => {
  const s = await serverSaying(Buffer.from('* OK ready\r\n* CAPABILITY IMAP4rev1 STARTTLS\nT1 OK done\r\n'));
  try {
    const reader = new LineReader(s.client);
    assert.equal(await reader.next(2000), '* OK ready');
    assert.equal(await reader.next(2000), '* CAPABILITY IMAP4rev1 STARTTLS');
    assert.equal(await reader.next(2000), 'T1 OK done');
  } finally {
    await s.close();
  }
});

test('a server that sends 1 MB without a line end is cut off at 8 KB, not buffered', async () => {
  const s = await serverSaying(Buffer.alloc(1024 * 1024, 0x41));
  try {
    await assert.rejects(new LineReader(s.client).next(5000), /line longer than 8192 bytes/);
  } finally {
    await s.close();
  }
});

test('a server that floods 4 MB of empty lines is cut off after 1000 queued lines instead of holding 4 million', async () => {
  const s = await serverSaying(Buffer.alloc(4 * 1024 * 1024, 0x0a));
  try {
    const reader = new LineReader(s.client);
    let lines = 0;
    const err = await (async () => {
      for (;;) {
        try {
          await reader.next(5000);
          lines++;
        } catch (e) {
          return e as Error;
        }
      }
    })();
    assert.match(err.message, /more than 1000 lines/);
    assert.equal(lines, 1000);
  } finally {
    await s.close();
  }
});
