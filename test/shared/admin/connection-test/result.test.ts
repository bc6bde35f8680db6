import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConnectionTestResult, fail, pass, redactResult, shapeResult, StageRecorder, type RecordedStage } from '../../../../shared/admin/connection-test/result';
import { IMAP_PLAN } from '../../../../shared/admin/connection-test/imap-test';

const at = new Date('2026-12-06T12:00:00Z');
const failure = { code: 'TCP_REFUSED', message: 'refused', whatToDo: 'check the port' };

test('stages after a failed one are skipped, naming the stage that failed, and the result is not ok', () => {
  const recorded: RecordedStage[] = [
    { stage: 'dns', outcome: pass({ targets: [] }), ms: 1.4 },
    { stage: 'tcp', outcome: fail(failure), ms: 3.6 },
  ];
  const r = shapeResult({ protocol: 'imap', plan: IMAP_PLAN, recorded, testedAt: at, totalMs: 5 });
  assert.equal(r.ok, false);
  assert.equal(r.failedStage, 'tcp');
  assert.deepEqual(r.stages.map((s) => [s.stage, s.status]), [['dns', 'pass'], ['tcp', 'fail'], ['tls', 'skipped'], ['authentication', 'skipped'], ['folders', 'skipped'], ['send', 'skipped']]);
  assert.deepEqual(r.stages[1]!.failure, failure);
  assert.equal(r.stages[1]!.ms, 4);
  assert.equal(r.stages[2]!.details.skippedBecause, 'the TCP connection stage failed');
  ConnectionTestResult.parse(r);
});

test('a result whose every stage passed (or was skipped by choice) is ok, in plan order whatever the recording order', () => {
  const recorded: RecordedStage[] = [
    { stage: 'tcp', outcome: pass({}), ms: 1 },
    { stage: 'dns', outcome: pass({}), ms: 1 },
    { stage: 'tls', outcome: { status: 'skipped', details: { skippedBecause: 'tls none' } }, ms: 0 },
    { stage: 'authentication', outcome: pass({}), ms: 1 },
    { stage: 'folders', outcome: pass({}), ms: 1 },
    { stage: 'send', outcome: pass({}), ms: 1 },
  ];
  const r = shapeResult({ protocol: 'imap', plan: IMAP_PLAN, recorded, testedAt: at, totalMs: 6 });
  assert.equal(r.ok, true);
  assert.equal(r.failedStage, undefined);
  assert.deepEqual(r.stages.map((s) => s.stage), [...IMAP_PLAN]);
  assert.equal(r.stages[2]!.details.skippedBecause, 'tls none');
});

test('a stage recorded after a failure is reported as skipped, not as its own outcome', () => {
  const recorded: RecordedStage[] = [
    { stage: 'dns', outcome: fail(failure), ms: 1 },
    { stage: 'tcp', outcome: pass({}), ms: 1 },
  ];
  const r = shapeResult({ protocol: 'imap', plan: IMAP_PLAN, recorded, testedAt: at, totalMs: 2 });
  assert.equal(r.stages[1]!.status, 'skipped');
});

test('redaction replaces a secret anywhere in the result, in each spelling a server echoes, and XOAUTH2 strings; capability keywords stay', () => {
  const secret = 'p"a\\ss-123';
  const r = shapeResult({
    protocol: 'imap',
    plan: ['dns', 'authentication'],
    recorded: [
      { stage: 'dns', outcome: pass({ user: `x ${secret} y` }), ms: 0 },
      { stage: 'authentication', outcome: fail({ code: 'IMAP_AUTH_FAILED', message: `NO bad: LOGIN alice "p\\"a\\\\ss-123" dXNlcj1hbGljZQFhdXRoPUJlYXJlciB0b2tlbgEB`, whatToDo: `not ${JSON.stringify(secret).slice(1, -1)}` }, { capabilities: ['AUTH PLAIN LOGIN', `X-${secret}`] }), ms: 0 },
    ],
    testedAt: at,
    totalMs: 0,
  });
  const redacted = redactResult(r, [secret]);
  const text = JSON.stringify(redacted);
  assert.ok(!text.includes('ss-123'), text);
  assert.deepEqual(redacted.stages[1]!.details.capabilities, ['AUTH PLAIN LOGIN', 'X-[redacted]']);
  assert.ok(!text.includes('dXNlcj1'), text);
  assert.ok(text.includes('[redacted]'));
});

test('the recorder turns an exception of a stage into a failure (UNEXPECTED), times stages with its clock, and stops', async () => {
  let clock = 0;
  const rec = new StageRecorder(() => clock);
  await rec.run('dns', async () => {
    clock += 7;
    return pass({});
  });
  assert.equal(rec.stopped, false);
  await rec.run('tcp', async () => {
    clock += 3;
    throw new Error('socket exploded');
  });
  assert.equal(rec.stopped, true);
  assert.deepEqual(rec.recorded.map((r) => [r.stage, r.outcome.status, r.ms]), [['dns', 'pass', 7], ['tcp', 'fail', 3]]);
  const tcp = rec.recorded[1]!.outcome;
  assert.equal(tcp.status === 'fail' && tcp.failure.code, 'UNEXPECTED');
});

test('a one-letter secret is redacted from server text without garbling stage names, statuses or codes', () => {
  const r = shapeResult({
    protocol: 'graph',
    plan: ['dns', 'mailbox'],
    recorded: [{ stage: 'dns', outcome: fail({ code: 'AADSTS7000215', message: 'secret s refused', whatToDo: 'send it again' }), ms: 0 }],
    testedAt: at,
    totalMs: 0,
  });
  const redacted = redactResult(r, ['s']);
  ConnectionTestResult.parse(redacted);
  assert.deepEqual(redacted.stages.map((s) => [s.stage, s.status, s.title]), [['dns', 'fail', 'DNS and address policy'], ['mailbox', 'skipped', 'Mailbox access']]);
  assert.equal(redacted.stages[0]!.failure!.code, 'AADSTS7000215');
  assert.ok(!redacted.stages[0]!.failure!.message.includes(' s '));
});
