import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestStack, type TestStack } from '../support/stack';
import { startDovecot, type Dovecot } from '../support/dovecot';
import { api, rfc822 } from '../support/mail-e2e';
import { startGraphSimulator, type GraphSimulator } from '../../devhost/graph-simulator';
import { simulatorChannelInput } from '../../devhost/graph-simulator/channel';
import { ConnectionTestResult } from '../../shared/admin/connection-test/result';

/**
 * The connection test through the real local host (Azurite, the Cosmos emulator), against
 * Dovecot and the Graph + Entra simulator: the unsaved route with the secrets in the body,
 * the stored route with the stored secrets, and the answers that are not a test result.
 */
const USER = { user: 'route@example.com', password: `route-Pa55-${Date.now()}` };
let stack: TestStack;
let dovecot: Dovecot;
let sim: GraphSimulator;

before(async () => {
  [dovecot, sim] = await Promise.all([startDovecot({ users: [USER] }), startGraphSimulator({ mailboxes: ['desk@contoso.example'] })]);
  await dovecot.append(USER.user, 'INBOX', rfc822({ subject: 'waiting' }));
  stack = await startTestStack({ graphSimulator: sim, trustCa: [dovecot.caCertPem] });
});

after(async () => {
  await stack?.stop();
  await Promise.all([dovecot?.stop(), sim?.stop()]);
});

function imapInput(password: string | undefined) {
  return {
    name: 'Route test',
    connection: {
      protocol: 'imap',
      host: '127.0.0.1',
      port: dovecot.tlsPort,
      tls: 'implicit',
      username: USER.user,
      auth: { type: 'password', ...(password === undefined ? {} : { password }) },
      settings: { timeoutMs: 3000, retryCount: 0 },
    },
    folders: { read: ['INBOX'], success: 'Processed', fail: 'Failed' },
    ticketMapping: { templateId: 'it-support' },
  };
}

test('POST /api/channels/test-connection tests an unsaved IMAP configuration: every stage passes, the folders are listed, nothing is stored', async () => {
  const before = await api<{ items: unknown[] }>(stack, 'GET', 'channels');
  const res = await api(stack, 'POST', 'channels/test-connection', imapInput(USER.password));
  assert.equal(res.status, 200, JSON.stringify(res.body));
  const result = ConnectionTestResult.parse(res.body);
  assert.equal(result.ok, true, JSON.stringify(result, null, 1));
  assert.deepEqual(result.stages.map((s) => [s.stage, s.status]), [['dns', 'pass'], ['tcp', 'pass'], ['tls', 'pass'], ['authentication', 'pass'], ['folders', 'pass'], ['send', 'skipped']]);
  assert.deepEqual(result.stages[4]!.details.folders!.find((f) => f.path === 'INBOX')?.messages, 1);
  assert.ok(!JSON.stringify(res.body).includes(USER.password));
  const after = await api<{ items: unknown[] }>(stack, 'GET', 'channels');
  assert.equal(after.body.items.length, before.body.items.length, 'no channel was created');
});

test('POST /api/channels/{id}/test-connection uses the stored password: a wrong one fails at authentication with advice, and the answer holds no secret', async () => {
  const created = await api<{ id: string }>(stack, 'POST', 'channels', imapInput('stored-but-wrong-Pa55'));
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const res = await api(stack, 'POST', `channels/${created.body.id}/test-connection`);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  const result = ConnectionTestResult.parse(res.body);
  assert.equal(result.failedStage, 'authentication');
  const auth = result.stages.find((s) => s.stage === 'authentication')!;
  assert.equal(auth.failure!.code, 'IMAP_AUTH_FAILED');
  assert.match(auth.failure!.whatToDo, /password/);
  assert.ok(!JSON.stringify(res.body).includes('stored-but-wrong-Pa55'));

  const fixed = await api(stack, 'PATCH', `channels/${created.body.id}`, { connection: { auth: { type: 'password', password: USER.password } } });
  assert.equal(fixed.status, 200, JSON.stringify(fixed.body));
  const again = ConnectionTestResult.parse((await api(stack, 'POST', `channels/${created.body.id}/test-connection`)).body);
  assert.equal(again.ok, true, JSON.stringify(again, null, 1));
});

test('POST /api/channels/{id}/test-connection of a stored Graph channel passes on the simulator; a wrong client secret in an unsaved one fails at authentication as AADSTS7000215', async () => {
  const created = await api<{ id: string }>(stack, 'POST', 'channels', simulatorChannelInput(sim, 'desk@contoso.example'));
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const stored = ConnectionTestResult.parse((await api(stack, 'POST', `channels/${created.body.id}/test-connection`)).body);
  assert.equal(stored.ok, true, JSON.stringify(stored, null, 1));
  assert.equal(stored.stages.find((s) => s.stage === 'send')!.status, 'pass');

  const input = simulatorChannelInput(sim, 'desk@contoso.example');
  const wrong = { ...input, connection: { ...input.connection, auth: { ...input.connection.auth, clientSecret: 'wrong-client-secret' } } };
  const res = await api(stack, 'POST', 'channels/test-connection', wrong);
  const result = ConnectionTestResult.parse(res.body);
  assert.equal(result.failedStage, 'authentication');
  assert.equal(result.stages.find((s) => s.stage === 'authentication')!.failure!.code, 'AADSTS7000215');
  assert.ok(!JSON.stringify(res.body).includes('wrong-client-secret'));
});

test('an unsaved configuration without its secret is a 400 naming the field (a stored secret is never borrowed); an unknown channel is a 404', async () => {
  const res = await api<{ issues: { path: string; message: string }[] }>(stack, 'POST', 'channels/test-connection', imapInput(undefined));
  assert.equal(res.status, 400, JSON.stringify(res.body));
  assert.deepEqual(res.body.issues.map((i) => i.path), ['connection.auth.password']);
  assert.match(res.body.issues[0]!.message, /required to test an unsaved configuration/);
  const invalid = await api(stack, 'POST', 'channels/test-connection', { ...imapInput('x'), connection: { ...imapInput('x').connection, port: 0 } });
  assert.equal(invalid.status, 400);
  const missing = await api(stack, 'POST', 'channels/no-such-channel/test-connection');
  assert.equal(missing.status, 404);
});
