import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ImpactPreviewQuery, impactItem, impactSummary, verdictOf, type Verdict } from '../../../shared/admin/impact-preview';

const record = (id: string, over: Partial<{ subject: string; from: string; receivedAt: string }> = {}) => ({
  id,
  subject: over.subject,
  from: over.from,
  timings: { firstAttemptAt: '2026-12-06T10:00:00.000Z', ...(over.receivedAt ? { receivedAt: over.receivedAt } : {}) },
});
const created: Verdict = { outcome: 'created' };
const rejected: Verdict = { outcome: 'rejected', reasonCode: 'SENDER_DOMAIN_NOT_ALLOWED', reason: 'example.org is not allowed' };

test('a mail line carries key, subject, sender and both verdicts, and is changed only when outcome or reason code differ', () => {
  const line = impactItem(record('k1', { subject: 'Printer', from: 'ann@example.org', receivedAt: '2026-12-06T09:59:00.000Z' }), created, rejected);
  assert.deepEqual(line, { key: 'k1', subject: 'Printer', from: 'ann@example.org', receivedAt: '2026-12-06T09:59:00.000Z', before: created, after: rejected, changed: true });
  assert.equal(impactItem(record('k2'), created, { outcome: 'created' }).changed, false);
  // the same outcome for another reason is a change worth showing
  assert.equal(impactItem(record('k3'), rejected, { ...rejected, reasonCode: 'SENDER_MISSING' }).changed, true);
  // a reworded reason alone is not
  assert.equal(impactItem(record('k4'), rejected, { ...rejected, reason: 'other words' }).changed, false);
  assert.deepEqual(Object.keys(impactItem(record('k5'), created, created)), ['key', 'before', 'after', 'changed']);
});

test('the summary counts changed outcomes by from → to, most frequent first, and changed mails including reason-only changes', () => {
  const items = [
    impactItem(record('a'), created, rejected),
    impactItem(record('b'), created, rejected),
    impactItem(record('c'), { outcome: 'ignored', reasonCode: 'AUTO_REPLY' }, created),
    impactItem(record('d'), created, created),
    impactItem(record('e'), rejected, { ...rejected, reasonCode: 'SENDER_MISSING' }),
  ];
  assert.deepEqual(impactSummary(items), {
    compared: 5,
    changed: 4,
    outcomeChanges: [
      { from: 'created', to: 'rejected', count: 2 },
      { from: 'ignored', to: 'created', count: 1 },
    ],
  });
  assert.deepEqual(impactSummary([]), { compared: 0, changed: 0, outcomeChanges: [] });
});

test('a ticket or note has no reason code; a mail left, ignored or rejected has the decision\'s', () => {
  const stages: never[] = [];
  assert.deepEqual(verdictOf({ outcome: 'rejected', decision: { action: 'reject', code: 'SENDER_DOMAIN_NOT_ALLOWED', reason: 'no', stages } }), {
    outcome: 'rejected',
    reasonCode: 'SENDER_DOMAIN_NOT_ALLOWED',
    reason: 'no',
  });
  const ticket = { action: 'createTicket', stages, answers: [] } as unknown as Parameters<typeof verdictOf>[0]['decision'];
  assert.deepEqual(verdictOf({ outcome: 'created', decision: ticket }), { outcome: 'created' });
});

test('limit defaults to 50 and must be a whole number from 1 to 200', () => {
  assert.equal(ImpactPreviewQuery.parse({}).limit, 50);
  assert.equal(ImpactPreviewQuery.parse({ limit: '200' }).limit, 200);
  for (const bad of ['0', '201', '2.5', 'x']) assert.equal(ImpactPreviewQuery.safeParse({ limit: bad }).success, false, bad);
});
