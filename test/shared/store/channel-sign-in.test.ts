import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { useEmulatorEnv, type EmulatorEnv } from './emulator-env';
import { startAuthorization, STATE_TTL_MS } from '../../../shared/auth/authorization-state';
import { secretStore } from '../../../shared/secrets';
import { readRefreshToken, readSignIn, saveAuthorizationState, saveRefreshToken, takeAuthorizationState } from '../../../shared/store/channel-sign-in';
import { container } from '../../../shared/store/cosmos';

let env: EmulatorEnv;
before(async () => { env = await useEmulatorEnv(); });
after(async () => { await env.stop(); });

const pending = (channelId: string, now: Date) => startAuthorization({ channelId, startedBy: 'admin', codeVerifier: 'v'.repeat(43), redirectUrl: 'https://app.example/api/oauth/callback', now }).record;

test('a pending sign-in is taken out once: the second take (a replay) finds nothing', async () => {
  const record = pending('ch-take', new Date());
  await saveAuthorizationState(record, new Date());
  assert.deepEqual(await takeAuthorizationState('ch-take', record.id), record);
  assert.equal(await takeAuthorizationState('ch-take', record.id), undefined);
});

test("a channel's abandoned sign-ins (past their expiry) are removed when the next one starts", async () => {
  const t0 = new Date('2026-12-06T10:00:00Z');
  const old = pending('ch-purge', t0);
  await saveAuthorizationState(old, t0);
  const later = new Date(t0.getTime() + STATE_TTL_MS + 1);
  const fresh = pending('ch-purge', later);
  await saveAuthorizationState(fresh, later);
  const c = await container('syncState');
  const { resources } = await c.items.query<{ id: string }>({ query: "SELECT c.id FROM c WHERE c.channelId = 'ch-purge' AND c.kind = 'oauthState'" }).fetchAll();
  assert.deepEqual(resources.map((r) => r.id), [fresh.id]);
});

test('a rotated refresh token saved against an outdated version is refused and not kept; the newer one stays', async () => {
  const now = new Date();
  assert.equal(await saveRefreshToken('ch-ver', 'rt-1', secretStore(), { signIn: {}, now }), 'saved');
  const read = await readRefreshToken('ch-ver', secretStore());
  assert.equal(read?.token, 'rt-1');
  assert.equal(await saveRefreshToken('ch-ver', 'rt-2', secretStore(), { expectedEtag: read?.etag, now }), 'saved');
  assert.equal(await saveRefreshToken('ch-ver', 'rt-2-from-a-slower-instance', secretStore(), { expectedEtag: read?.etag, now }), 'conflict');
  const latest = await readRefreshToken('ch-ver', secretStore());
  assert.equal(latest?.token, 'rt-2');
  assert.equal(latest?.record.generation, 2);
  assert.equal(await secretStore().get(read?.record.secretName ?? ''), undefined, 'the spent token is deleted');
  assert.equal((await readSignIn('ch-ver'))?.record.needsReauthorization, undefined);
});
