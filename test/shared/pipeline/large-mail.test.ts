import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { useEmulatorEnv, type EmulatorEnv } from '../store/emulator-env';
import { Crash, inbound, pipelineHarness, queued, type Harness } from '../../support/pipeline-harness';
import { largeAttachmentMail } from '../../support/large-mail';
import { rfc822 } from '../../support/mail-e2e';
import { processMail, type ProcessDeps } from '../../../shared/pipeline/process-mail';
import { takeIn, type LargeMailDeps } from '../../../shared/pipeline/large-mail';
import type { MailSource } from '../../../shared/sources/mail-source';
import type { SourceRef } from '../../../shared/queue/contracts';
import { attachmentBlobName } from '../../../shared/store/blobs';

/**
 * The large-mail path of processMail (large-mail.ts) on the real ledger and tickets (Cosmos
 * emulator), with the harness's in-memory mailbox given a streaming read, and an in-memory
 * blob store that counts what is written whole and what as a stream. The limits are scaled
 * down (stream above 64 KiB, at most 1 MiB) so the paths run on small mails; the 60 MB mails
 * through Dovecot and the Graph simulator are in test/integration/large-mail.test.ts.
 */
let env: EmulatorEnv;
before(async () => {
  env = await useEmulatorEnv();
});
after(async () => {
  await env.stop();
});

const STREAM_ABOVE = 64 * 1024;
const MAX_MAIL = 1024 * 1024;

interface Store {
  raw: Map<string, Buffer>;
  attachments: Map<string, Buffer>;
  counts: { rawWhole: number; rawStreamed: number; attachmentWhole: number; attachmentStreamed: number; rawOpened: number };
}

async function drain(body: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of body) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/** Harness deps whose mailbox streams, and whose blob store is in memory and counted. */
function streamingDeps(h: Harness, store: Store, o: { crashAfter?: number; maxMailBytes?: number } = {}): ProcessDeps {
  const base = h.processDeps({ crashAfter: o.crashAfter });
  const largeMail: LargeMailDeps = {
    streamAboveBytes: STREAM_ABOVE,
    maxMailBytes: o.maxMailBytes ?? MAX_MAIL,
    putRawStream: async (name, body) => {
      store.counts.rawStreamed++;
      const bytes = await drain(body);
      if (!store.raw.has(name)) store.raw.set(name, bytes);
    },
    openRaw: async (name, range) => {
      store.counts.rawOpened++;
      const raw = store.raw.get(name);
      if (!raw) throw new Error(`no raw mail ${name}`);
      // delivered in 16 KiB chunks, as a download arrives
      const bytes = range ? raw.subarray(0, range.count) : raw;
      return Readable.from((function* () { for (let i = 0; i < bytes.length; i += 16 * 1024) yield bytes.subarray(i, i + 16 * 1024); })());
    },
    putAttachmentStream: async (sha256, body) => {
      store.counts.attachmentStreamed++;
      store.attachments.set(sha256, await drain(body));
      return attachmentBlobName(sha256);
    },
  };
  return {
    ...base,
    largeMail,
    openSource: async (channel) => {
      const s = await base.openSource(channel);
      return {
        ...s,
        streamRaw: async (ref, consume) => consume(Readable.from([...chunked(await s.fetchRaw(ref))])),
      };
    },
    putRawMail: async (channelId, key, raw) => {
      store.counts.rawWhole++;
      store.raw.set(`${channelId}/${key}.eml`, raw);
      return `${channelId}/${key}.eml`;
    },
    getRawMail: async (name) => store.raw.get(name) ?? Promise.reject(new Error(`no raw mail ${name}`)),
    putAttachment: async (sha256, content) => {
      store.counts.attachmentWhole++;
      store.attachments.set(sha256, content);
      return attachmentBlobName(sha256);
    },
  };
}

function* chunked(raw: Buffer): Generator<Buffer> {
  for (let i = 0; i < raw.length; i += 8 * 1024) yield raw.subarray(i, i + 8 * 1024);
}

const newStore = (): Store => ({ raw: new Map(), attachments: new Map(), counts: { rawWhole: 0, rawStreamed: 0, attachmentWhole: 0, attachmentStreamed: 0, rawOpened: 0 } });

test('a mail above the streaming size is streamed into the store, parsed from there, and its 9 MiB attachment is stored from the raw mail with the same SHA-256, never handed over whole', async () => {
  const h = pipelineHarness();
  const store = newStore();
  // 9 MiB is past what a streamed parse keeps in memory (parse.ts STREAMED_HOLD_BYTES)
  const mail = largeAttachmentMail({ bytes: 9 * 1024 * 1024, seed: 1, subject: 'Crash dump attached', messageId: '<dump-1@client.example.org>' });
  const ref = h.mailbox.append('INBOX', mail.raw, '<dump-1@client.example.org>');
  const deps = streamingDeps(h, store, { maxMailBytes: 64 * 1024 * 1024 });

  const res = await processMail(inbound(h, ref, '<dump-1@client.example.org>'), deps);

  assert.equal(res.status, 'done');
  assert.deepEqual(store.counts, { rawWhole: 0, rawStreamed: 1, attachmentWhole: 0, attachmentStreamed: 1, rawOpened: 4 }, 'one streamed write of the raw mail; read twice (head + body) per parse pass, two passes');
  assert.equal(store.attachments.get(mail.sha256)?.equals(mail.content), true, 'the stored attachment is the original');
  const [ticket] = await h.tickets();
  assert.equal(ticket?.title, 'Crash dump attached');
  assert.deepEqual(ticket?.attachments.map((a) => [a.filename, a.size, a.blobName]), [['measurements.bin', mail.content.length, attachmentBlobName(mail.sha256)]]);
  const [record] = await h.records();
  assert.equal(record?.rawSize, mail.raw.length);
  assert.equal(record?.rawBlob, [...store.raw.keys()][0]);
});

test('a mail up to the streaming size takes the in-memory path: one whole write of the raw mail and of its attachment', async () => {
  const h = pipelineHarness();
  const store = newStore();
  const mail = largeAttachmentMail({ bytes: 16 * 1024, seed: 2, subject: 'Small log attached', messageId: '<log-2@client.example.org>' });
  const ref = h.mailbox.append('INBOX', mail.raw, '<log-2@client.example.org>');
  const res = await processMail(inbound(h, ref, '<log-2@client.example.org>'), streamingDeps(h, store));
  assert.equal(res.status, 'done');
  assert.deepEqual(store.counts, { rawWhole: 1, rawStreamed: 0, attachmentWhole: 1, attachmentStreamed: 0, rawOpened: 0 });
  assert.equal(store.attachments.get(mail.sha256)?.equals(mail.content), true);
});

test('a streamed mail whose delivery dies after its record is created is finished by the redelivery: one ticket, attachment intact', async () => {
  const h = pipelineHarness();
  const store = newStore();
  const mail = largeAttachmentMail({ bytes: 200 * 1024, seed: 3, subject: 'Trace attached', messageId: '<trace-3@client.example.org>' });
  const ref = h.mailbox.append('INBOX', mail.raw, '<trace-3@client.example.org>');
  const q = queued(inbound(h, ref, '<trace-3@client.example.org>'));
  // seam calls: ledger read, fetch, ledger create — then it dies
  await assert.rejects(processMail(q.body, streamingDeps(h, store, { crashAfter: 3 }), { id: q.id }), (err) => err instanceof Crash);
  assert.equal((await h.records())[0]?.state, 'received');

  const res = await processMail(q.body, streamingDeps(h, store), { id: q.id });
  assert.equal(res.status, 'done');
  assert.equal(store.raw.size, 1, 'the raw mail is stored once, under one name');
  assert.equal((await h.tickets()).length, 1);
  assert.equal(store.attachments.get(mail.sha256)?.equals(mail.content), true);
});

for (const streaming of [true, false]) {
  test(`a mail over the size limit (${streaming ? 'read as a stream' : 'fetched whole'}) is recorded from its header block as MAIL_TOO_LARGE and moved to the fail folder, neither stored nor dropped`, async () => {
    const h = pipelineHarness();
    const store = newStore();
    const mail = largeAttachmentMail({ bytes: MAX_MAIL, seed: 4, subject: 'Whole disk image', messageId: '<disk-4@client.example.org>' });
    const ref = h.mailbox.append('INBOX', mail.raw, '<disk-4@client.example.org>');
    const deps = streamingDeps(h, store);
    const res = await processMail(
      inbound(h, ref, '<disk-4@client.example.org>'),
      streaming ? deps : { ...deps, openSource: async (c) => ({ ...(await deps.openSource(c)), streamRaw: undefined }) },
    );

    assert.equal(res.status, 'done');
    const [record] = await h.records();
    assert.equal(record?.outcome, 'rejected');
    assert.equal(record?.reasonCode, 'MAIL_TOO_LARGE');
    assert.match(record?.reason ?? '', /larger than the limit of 1048576 bytes/);
    assert.equal(record?.subject, 'Whole disk image', 'the header block still names the mail');
    assert.equal(record?.messageId, 'disk-4@client.example.org');
    assert.equal(record?.rawBlob, undefined);
    assert.equal(store.raw.size, 0, 'nothing of it was stored');
    assert.deepEqual(h.mailbox.list('Failed').map((m) => m.messageId), ['<disk-4@client.example.org>']);
    assert.equal((await h.tickets()).length, 0);
  });
}

test('a mail without Message-ID above the streaming size is keyed by its raw hash, as one fetched whole would be', async () => {
  const h = pipelineHarness();
  const store = newStore();
  const raw = rfc822({ subject: 'No id, long text', messageId: null, body: 'x'.repeat(100 * 1024) });
  const ref = h.mailbox.append('INBOX', raw);
  const res = await processMail(inbound(h, ref), streamingDeps(h, store));
  assert.equal(res.status, 'done');
  const [record] = await h.records();
  assert.equal(store.counts.rawStreamed, 1);
  assert.equal(record?.rawSha256, (await import('node:crypto')).createHash('sha256').update(raw).digest('hex'));
  assert.equal((await h.tickets())[0]?.title, 'No id, long text');
});

/** takeIn on its own, from a source that streams `raw` in 64 KiB chunks, into a sink that drains. */
async function takeInChunked(raw: Buffer, limits: { streamAboveBytes: number; maxMailBytes: number }, whole = false) {
  const source = {
    fetchRaw: async () => raw,
    streamRaw: whole ? undefined : async <T>(_ref: unknown, consume: (body: Readable) => Promise<T>) =>
      consume(Readable.from((function* () { for (let i = 0; i < raw.length; i += 64 * 1024) yield raw.subarray(i, i + 64 * 1024); })())),
  } as unknown as MailSource;
  return takeIn(source, { protocol: 'graph', folder: 'f', messageId: 'm' } as SourceRef, 'ch/raw.eml', {
    ...limits,
    putRawStream: async (_name, body) => void (await drain(body)),
    openRaw: async () => Readable.from([]),
    putAttachmentStream: async (sha256) => sha256,
  });
}

for (const where of ['in the buffered start', 'while streaming', 'fetched whole'] as const) {
  test(`a too-large mail (over the limit, ${where}) keeps only a 256 KiB copy of its head, not a view holding all it buffered`, async () => {
    const raw = Buffer.alloc(3 * 1024 * 1024, 'a');
    const limits = where === 'while streaming' ? { streamAboveBytes: 512 * 1024, maxMailBytes: 1024 * 1024 } : { streamAboveBytes: 2 * 1024 * 1024, maxMailBytes: 1024 * 1024 };
    const taken = await takeInChunked(raw, limits, where === 'fetched whole');
    assert.equal(taken.kind, 'too-large');
    if (taken.kind !== 'too-large') return;
    assert.equal(taken.head.length, 256 * 1024);
    assert.equal(taken.head.buffer.byteLength, 256 * 1024, 'the bytes the head keeps alive');
  });
}
