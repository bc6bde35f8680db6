import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { useEmulatorEnv, type EmulatorEnv } from '../store/emulator-env';
import { drain, pipelineHarness, seededRandom } from '../../support/pipeline-harness';
import { rfc822 } from '../../support/mail-e2e';
import { sameRef } from '../../../shared/pipeline/process-mail';

/**
 * Guard: overlapping syncs, rival and redelivered queue messages for the same mail,
 * copies of a mail arriving while the first is in flight, and workers that die mid-way,
 * in a seeded random interleaving, many times. The pipeline runs on its production seams
 * with the real ledger, sync state and tickets in the Cosmos emulator; the mailbox is in
 * memory (test/support/memory-mailbox.ts) so that hundreds of runs take seconds and the
 * seed, not network timing, decides the interleaving. test/integration has the same
 * scenario once through the local host on Dovecot.
 *
 * Every run must end with: every ledger record `done`, no poison, one ticket per mail,
 * every copy out of the inbox and in the success folder, each copy listed once as a
 * duplicate of its first (never the first itself), and true counts in the stats.
 */
const RUNS = Number(process.env.CONCURRENCY_RUNS ?? 40);

let env: EmulatorEnv;
before(async () => { env = await useEmulatorEnv(); });
after(async () => { await env.stop(); });

interface Scenario {
  /** Distinct mails, each with its number of copies up front and arriving later. */
  mails: { subject: string; messageId: string | null; early: number; late: number }[];
}

function scenario(random: () => number, run: number): Scenario {
  const count = 3 + Math.floor(random() * 4);
  return {
    mails: Array.from({ length: count }, (_, i) => ({
      subject: `Run ${run} mail ${i}`,
      // one mail per run has no Message-ID: its ledger key is the hash of its bytes
      messageId: i === 0 ? null : `<run-${run}-mail-${i}@client.example.org>`,
      early: 1 + (random() < 0.4 ? 1 : 0),
      late: random() < 0.35 ? 1 + Math.floor(random() * 2) : 0,
    })),
  };
}

async function runOnce(run: number): Promise<void> {
  const random = seededRandom(0x5eed0000 + run);
  const h = pipelineHarness({ channelId: `conc-${run}-${Date.now()}`, random });
  const s = scenario(random, run);
  const raws = s.mails.map((m) => rfc822({ subject: m.subject, messageId: m.messageId }));
  s.mails.forEach((m, i) => {
    for (let c = 0; c < m.early; c++) h.mailbox.append('INBOX', raws[i]!, m.messageId ?? undefined);
  });

  // two or three syncs at the same moment (timer, notification, "sync now")
  const listed = async (n: number) => (await Promise.all(Array.from({ length: n }, () => h.sync()))).flatMap((r) => r.folders).reduce((a, f) => a + f.listed, 0);
  let totalListed = await listed(2 + Math.floor(random() * 2));

  // rival messages for the same place (as overlapping listings made) and concurrent redeliveries of one message
  for (const q of [...h.queue]) {
    if (random() < 0.3) h.queue.push({ id: `rival-${q.id}`, body: { ...q.body, enqueuedAt: new Date().toISOString() }, dequeueCount: 0 });
    if (random() < 0.15) h.queue.push({ ...q });
  }

  // later copies arrive while the first ones are in flight, and two syncs list them
  let lateDone = false;
  const onStep = async () => {
    if (lateDone || random() > 0.25) return;
    lateDone = true;
    s.mails.forEach((m, i) => {
      for (let c = 0; c < m.late; c++) h.mailbox.append('INBOX', raws[i]!, m.messageId ?? undefined);
    });
    totalListed += await listed(2);
  };
  const result = await drain(h, { random, workers: 4, crashChance: 0.15, onStep });
  if (!lateDone) {
    lateDone = true;
    s.mails.forEach((m, i) => {
      for (let c = 0; c < m.late; c++) h.mailbox.append('INBOX', raws[i]!, m.messageId ?? undefined);
    });
    totalListed += await listed(2);
    await drain(h, { random, workers: 4 });
  }

  const copies = s.mails.reduce((a, m) => a + m.early + m.late, 0);
  const where = `run ${run} (seed ${0x5eed0000 + run}); unexpected failures: ${result.failures.join(' | ') || 'none'}; log tail:\n${h.log.slice(-15).join('\n')}`;
  assert.equal(totalListed, copies, `each copy is listed once, however the syncs overlap — ${where}`);
  assert.deepEqual(h.poisoned, [], `nothing poisoned — ${where}`);

  const records = await h.records();
  assert.equal(records.length, s.mails.length, `one ledger record per mail — ${where}`);
  for (const r of records) {
    const mail = s.mails.find((m) => m.subject === r.subject)!;
    assert.equal(r.state, 'done', `${r.subject}: done — ${where}`);
    assert.equal(r.outcome, 'created', `${r.subject}: created — ${where}`);
    assert.equal(r.claim, undefined, `${r.subject}: no claim left — ${where}`);
    assert.equal(r.duplicates.length, mail.early + mail.late - 1, `${r.subject}: every other copy listed once as a duplicate — ${where}`);
    assert.ok(r.duplicates.every((d) => d.movedAt), `${r.subject}: every duplicate moved — ${where}`);
    assert.ok(!r.duplicates.some((d) => r.origin && sameRef(d.source, r.origin)), `${r.subject}: never a duplicate of itself — ${where}`);
    assert.equal(new Set(r.duplicates.map((d) => JSON.stringify(d.source))).size, r.duplicates.length, `${r.subject}: one entry per copy — ${where}`);
  }
  const tickets = await h.tickets();
  assert.equal(tickets.length, s.mails.length, `one ticket per mail — ${where}`);
  assert.deepEqual(new Set(tickets.map((t) => t.source?.ledgerKey)), new Set(records.map((r) => r.id)));
  assert.equal(h.mailbox.list('INBOX').length, 0, `the inbox is empty — ${where}`);
  assert.equal(h.mailbox.list('Processed').length, copies, `every copy is in the success folder — ${where}`);

  const stats = await h.stats();
  assert.equal(stats.total, s.mails.length);
  assert.deepEqual(stats.byOutcome, { created: s.mails.length });
  assert.equal(stats.inFlight, 0);
  assert.equal(stats.duplicates, copies - s.mails.length, `duplicates counted true — ${where}`);
}

test(`overlapping syncs, rival and redelivered messages, late copies and crashed workers: every record ends done with true counts (${RUNS} seeded runs)`, async () => {
  for (let run = 0; run < RUNS; run++) await runOnce(run);
});
