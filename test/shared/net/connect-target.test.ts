import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { Agent } from 'undici';
import { guardedLookup, resolveConnectTarget, targetPolicyFromEnv, targetRefusalIn, TARGET_REFUSED, type ResolveAll } from '../../../shared/net/connect-target';
import { PermanentError, TransientError } from '../../../shared/errors';

const STRICT = { allowPrivate: false };
const LOCAL = { allowPrivate: true };

/** A resolver with fixed answers that counts its lookups. */
function dnsWith(answers: Record<string, string[]>): ResolveAll & { calls: number } {
  const fn = Object.assign(
    async (host: string) => {
      fn.calls++;
      const list = answers[host];
      if (!list) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
      return list.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
    },
    { calls: 0 },
  );
  return fn;
}

test('a name is resolved once, every address checked, and the checked address is what to connect to, the name kept for TLS', async () => {
  const dns = dnsWith({ 'imap.example.com': ['93.184.216.34', '2606:2800:220:1::1'] });
  assert.deepEqual(await resolveConnectTarget('imap.example.com', STRICT, 'IMAP', dns), { address: '93.184.216.34', servername: 'imap.example.com' });
  assert.equal(dns.calls, 1);
});

test('a name with any address in a refused range is refused, whichever address comes first', async () => {
  const dns = dnsWith({ 'rebind.attacker.example': ['93.184.216.34', '169.254.169.254'], 'inside.example': ['10.0.0.7'] });
  await assert.rejects(resolveConnectTarget('rebind.attacker.example', LOCAL, 'IMAP', dns), (e: unknown) => e instanceof PermanentError && e.code === TARGET_REFUSED && /link-local/.test(e.message));
  await assert.rejects(resolveConnectTarget('inside.example', STRICT, 'IMAP', dns), (e: unknown) => e instanceof PermanentError && e.code === TARGET_REFUSED);
  assert.deepEqual(await resolveConnectTarget('inside.example', LOCAL, 'IMAP', dns), { address: '10.0.0.7', servername: 'inside.example' });
});

test('IP literals are checked without DNS; a name that does not resolve is a coarse transient failure', async () => {
  const dns = dnsWith({});
  assert.deepEqual(await resolveConnectTarget('127.0.0.1', LOCAL, 'IMAP', dns), { address: '127.0.0.1' });
  await assert.rejects(resolveConnectTarget('[::1]', STRICT, 'IMAP', dns), (e: unknown) => e instanceof PermanentError && e.code === TARGET_REFUSED);
  await assert.rejects(resolveConnectTarget('169.254.169.254', LOCAL, 'IMAP', dns), (e: unknown) => e instanceof PermanentError && e.code === TARGET_REFUSED);
  assert.equal(dns.calls, 0);
  await assert.rejects(resolveConnectTarget('nowhere.example', LOCAL, 'IMAP', dns), (e: unknown) => e instanceof TransientError && e.code === 'CONNECT_FAILED' && !/ENOTFOUND/.test(e.message));
});

test('the guarded socket lookup answers like dns.lookup for allowed names and fails the connect for refused ones', async () => {
  const lookup = guardedLookup(STRICT, dnsWith({ 'graph.example.com': ['20.190.1.1'], 'meta.example': ['169.254.169.254'] }));
  const ask = (host: string, all: boolean) =>
    new Promise<unknown>((resolve, reject) => lookup(host, { all }, (err, address, family) => (err ? reject(err) : resolve(all ? address : { address, family }))));
  assert.deepEqual(await ask('graph.example.com', false), { address: '20.190.1.1', family: 4 });
  assert.deepEqual(await ask('graph.example.com', true), [{ address: '20.190.1.1', family: 4 }]);
  await assert.rejects(ask('meta.example', false), (e: unknown) => e instanceof PermanentError && e.code === TARGET_REFUSED);
});

test('the policy comes from MAIL_ALLOW_PRIVATE_HOSTS and is strict when the setting is absent or unreadable', () => {
  assert.deepEqual(targetPolicyFromEnv({}), STRICT);
  assert.deepEqual(targetPolicyFromEnv({ MAIL_ALLOW_PRIVATE_HOSTS: 'false' }), STRICT);
  assert.deepEqual(targetPolicyFromEnv({ MAIL_ALLOW_PRIVATE_HOSTS: 'maybe' }), STRICT);
  assert.deepEqual(targetPolicyFromEnv({ MAIL_ALLOW_PRIVATE_HOSTS: 'true' }), LOCAL);
});

test('as the lookup of a real undici dispatcher and a Node http agent, the check runs at connect time: a name that now resolves to loopback gets no connection', async () => {
  let requests = 0;
  const server = http.createServer((_req, res) => {
    requests++;
    res.end('ok');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as { port: number }).port;
  // "rebinding.example" answered a public address when it was checked before; now it says 127.0.0.1
  const rebound = dnsWith({ 'rebinding.example': ['127.0.0.1'] });
  const dispatcher = new Agent({ connect: { lookup: guardedLookup(STRICT, rebound) } });
  try {
    await assert.rejects(fetch(`http://rebinding.example:${port}/`, { dispatcher } as RequestInit), (e: unknown) => targetRefusalIn(e)?.code === TARGET_REFUSED);
    const viaAgent = await new Promise<unknown>((resolve) => {
      const req = http.get({ host: 'rebinding.example', port, agent: new http.Agent({ lookup: guardedLookup(STRICT, rebound) } as http.AgentOptions) }, () => resolve('connected'));
      req.on('error', resolve);
    });
    assert.equal(targetRefusalIn(viaAgent)?.code, TARGET_REFUSED);
    assert.equal(requests, 0);
  } finally {
    await dispatcher.close();
    await new Promise((r) => server.close(r));
  }
});
