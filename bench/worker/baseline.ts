import { randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { simpleParser } from 'mailparser';
import { container } from '../../shared/store/cosmos';
import { sampleMails } from '../mails';
import type { Reply } from '../protocol';
import { inParallel } from '../../shared/in-parallel';

/**
 * The baseline: the work no mail-to-ticket pipeline can avoid for the same mails, on the
 * same emulators, in the same process, at the same concurrency — mailparser's
 * `simpleParser` over the raw MIME, one ledger-sized and one ticket-sized Cosmos upsert.
 * Nothing else: no fetch from the mailbox, no Blob writes, no ETag checks, no move.
 */
const BASELINE_CHANNEL = 'bench-baseline';

function ledgerSized(id: string, subject: string, from: string, messageId: string) {
  const at = new Date().toISOString();
  return {
    id,
    channelId: BASELINE_CHANNEL,
    state: 'done',
    messageId,
    rawSha256: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    rawBlob: `${BASELINE_CHANNEL}/${id}.eml`,
    subject,
    from,
    source: { protocol: 'graph', folder: 'AAMkAGI2TG93AAA=', messageId: `AAMkAGI2${id}` },
    outcome: 'created',
    ticketId: `t-${id}`,
    stages: ['exclusion-folder', 'sender-domain', 'machine-mail', 'field-mapping', 'attachment-policy'].map((stage) => ({ stage, result: { verdict: 'continue' } })),
    targetFolder: 'Processed',
    attempts: 1,
    duplicates: [],
    timings: { receivedAt: at, enqueuedAt: at, firstAttemptAt: at, decidedAt: at, doneAt: at, latencyMs: 12 },
    retries: 0,
    updatedAt: at,
  };
}

type Parsed = Awaited<ReturnType<typeof simpleParser>>;

/** The baseline's two writes for one parsed mail: a ledger-sized and a ticket-sized upsert. */
export async function writeLedgerAndTicket(parsed: Parsed): Promise<void> {
  const [ledger, tickets] = await Promise.all([container('ledger'), container('tickets')]);
  const id = randomUUID();
  const from = parsed.from?.value[0]?.address ?? '';
  await ledger.items.upsert(ledgerSized(id, parsed.subject ?? '', from, parsed.messageId ?? ''));
  await tickets.items.upsert({
    id: `t-${id}`,
    ticketId: `t-${id}`,
    type: 'ticket',
    templateId: 'it-support',
    channelId: BASELINE_CHANNEL,
    title: parsed.subject ?? '',
    description: { text: parsed.text ?? '', ...(typeof parsed.html === 'string' ? { html: parsed.html } : {}) },
    requester: { email: from },
    watchers: [],
    fields: {},
    priority: 'normal',
    status: 'new',
    attachments: parsed.attachments.map((a) => ({ filename: a.filename ?? '', contentType: a.contentType, size: a.size, blobName: `sha256/${id}` })),
    source: { channelId: BASELINE_CHANNEL, ledgerKey: id, messageId: parsed.messageId ?? '' },
    createdAt: new Date().toISOString(),
  });
}

/** `raws`: these mails instead of `count` of the mix. */
export async function runBaseline(count: number, concurrency: number, tag: string, to: string, raws?: Buffer[]): Promise<Reply<'baseline'>> {
  const mails = raws ? raws.map((raw) => ({ raw })) : await sampleMails(count, { to, tag });
  await Promise.all([container('ledger'), container('tickets')]);
  const started = performance.now();
  const cpu = process.cpuUsage();
  await inParallel(mails, concurrency, async (mail) => writeLedgerAndTicket(await simpleParser(mail.raw)));
  const elapsedMs = performance.now() - started;
  const used = process.cpuUsage(cpu);
  return { mails: mails.length, elapsedMs, cpuMs: (used.user + used.system) / 1000, bytes: mails.reduce((n, m) => n + m.raw.length, 0) };
}

/** The memory baseline: the raw mail in memory (as after a fetch) and simpleParser over it. */
export async function parseFile(file: string): Promise<Reply<'parseFile'>> {
  const started = performance.now();
  const raw = await fs.readFile(file);
  const parsed = await simpleParser(raw);
  return { bytes: raw.length, elapsedMs: performance.now() - started, attachments: parsed.attachments.length };
}
