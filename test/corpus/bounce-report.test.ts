import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { readBounceReport, type BounceReport } from '../../shared/mail/bounce-report';
import { classifyMail } from '../../shared/mail/classify';
import { parseMailWithContent } from '../../shared/mail/parse';
import { normalizeMessageId } from '../../shared/pipeline/ledger-key';
import { referencedMessageIds } from '../../shared/threading/message-ids';
import { heldOutBounces, knownBounces, laterSisimaiBounces, type BounceLabel } from './bounce-labels';

/**
 * The bounce report on real bounces: how often it finds the Message-ID of the mail that
 * failed (the first candidate is the one the pipeline would mark), the failed recipient
 * with its status, and tells a delay warning from a failure. Printed on every run; each
 * test asserts its floor, so a regression fails. Labels: bounce-labels.ts.
 */

interface Scored {
  label: BounceLabel;
  report: BounceReport;
  /** What threading alone (the bounce's own In-Reply-To/References) would have found. */
  byThreadingHeaders: string[];
}

async function score(labels: readonly BounceLabel[]): Promise<Scored[]> {
  const out: Scored[] = [];
  for (const label of labels) {
    const raw = fs.readFileSync(label.file);
    const { mail, attachmentContents } = await parseMailWithContent(raw);
    assert.equal(classifyMail(mail).kind, 'bounce', `${path.basename(label.file)} is classified a bounce`);
    out.push({ label, report: readBounceReport(mail, attachmentContents, { raw }), byThreadingHeaders: referencedMessageIds(mail) });
  }
  return out;
}

const same = (a: string | undefined, b: string | undefined) => a !== undefined && b !== undefined && normalizeMessageId(a) === normalizeMessageId(b);

function report(corpus: string, scored: readonly Scored[]) {
  const withId = scored.filter((s) => s.label.originalMessageId);
  const idFirst = withId.filter((s) => same(s.report.originalMessageIds[0]?.id, s.label.originalMessageId));
  const idAmong = withId.filter((s) => s.report.originalMessageIds.some((c) => same(c.id, s.label.originalMessageId)));
  const idByThreading = withId.filter((s) => s.byThreadingHeaders.some((id) => same(id, s.label.originalMessageId)));
  const withRecipient = scored.filter((s) => s.label.recipient);
  const recipient = withRecipient.filter((s) => s.report.recipient === s.label.recipient);
  const recipientAndStatus = recipient.filter((s) => s.report.status === s.label.status);
  const kind = scored.filter((s) => s.report.failed === s.label.failed);
  const pct = (n: number, d: number) => (d ? `${((100 * n) / d).toFixed(1)} %` : '—');
  console.log(`${corpus}: ${scored.length} bounces, ${withId.length} still carry the original's Message-ID, ${withRecipient.length} name the failed address`);
  console.log(`  original Message-ID, first candidate: ${idFirst.length}/${withId.length} (${pct(idFirst.length, withId.length)}); of all bounces ${idFirst.length}/${scored.length} (${pct(idFirst.length, scored.length)})`);
  console.log(`  original Message-ID among candidates:  ${idAmong.length}/${withId.length}; by In-Reply-To/References alone: ${idByThreading.length}/${withId.length}`);
  console.log(`  failed recipient: ${recipient.length}/${withRecipient.length}; recipient + status as labelled: ${recipientAndStatus.length}/${withRecipient.length} (${pct(recipientAndStatus.length, withRecipient.length)})`);
  console.log(`  failure vs delay warning: ${kind.length}/${scored.length}`);
  for (const s of withId.filter((x) => !idFirst.includes(x))) console.log(`  MISS id ${path.basename(s.label.file)}: ${JSON.stringify(s.report.originalMessageIds.slice(0, 3))}`);
  for (const s of withRecipient.filter((x) => !recipientAndStatus.includes(x))) console.log(`  MISS recipient/status ${path.basename(s.label.file)}: ${s.report.recipient} ${s.report.status}`);
  return { total: scored.length, withId: withId.length, idFirst: idFirst.length, idByThreading: idByThreading.length, withRecipient: withRecipient.length, recipient: recipient.length, recipientAndStatus: recipientAndStatus.length, kind: kind.length };
}

test('on the bounces of the classifier corpora, the original Message-ID comes first wherever the bounce carries it, and the failed recipient with its status is found', async () => {
  const r = report('classifier corpora (sisimai-machine, sisimai-heldout, public samples, Zammad, fixtures)', await score(knownBounces));
  assert.ok(r.total >= 27);
  assert.equal(r.idFirst, r.withId, 'every original Message-ID the bounces carry comes first');
  assert.ok(r.idFirst > r.idByThreading, 'more than In-Reply-To/References alone find');
  assert.ok(r.recipientAndStatus >= r.withRecipient - 1, `recipient + status: ${r.recipientAndStatus}/${r.withRecipient}`);
  assert.equal(r.kind, r.total, 'every failure is a failure, every delay warning a delay');
});

test('on bounces taken after the reader was written (sisimai-bounces), the same holds', async () => {
  const r = report('held-out sisimai-bounces', await score(heldOutBounces));
  assert.equal(r.total, 19);
  assert.equal(r.idFirst, r.withId, 'every original Message-ID the bounces carry comes first');
  assert.equal(r.recipientAndStatus, r.withRecipient, 'the failed recipient and its status');
  assert.equal(r.kind, r.total, 'the delay warning is told from the failures');
});

test('on the bounces of the later sisimai folders (sisimai-set, -heldout2, -heldout3), at least 95 % of the ids come first and 95 % of recipients + statuses are found', async () => {
  // those folders belong to the classifier's corpus and may change: the labels of files still there are scored
  const present = laterSisimaiBounces.filter((l) => fs.existsSync(l.file));
  const r = report('later sisimai folders (sisimai-set, sisimai-heldout2, sisimai-heldout3)', await score(present));
  assert.ok(r.total >= 45, `${r.total} of ${laterSisimaiBounces.length} labelled bounces are there`);
  assert.ok(r.idFirst >= 0.95 * r.withId, `original Message-ID first: ${r.idFirst}/${r.withId}`);
  assert.ok(r.recipientAndStatus >= 0.95 * r.withRecipient, `recipient + status: ${r.recipientAndStatus}/${r.withRecipient}`);
  assert.equal(r.kind, r.total, 'every failure is a failure, every delay warning a delay');
});
