import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { startTestStack, type TestStack } from '../support/stack';
import { rfc822 } from '../support/mail-e2e';
import { repoRoot } from '../../devhost/emulators';

/**
 * The admin API's HTTP edge through the real local host (child process) on Azurite and the
 * Cosmos emulator, with App Service Authentication "on" so a signed-in browser's principal
 * header counts: cross-site requests, malformed route ids, deep JSON, and dry runs beyond
 * the memory budget. The budget is set small (MEMORY_BUDGET_MIB) so a few MB show it.
 */
let stack: TestStack;

const BUDGET_MIB = 4;

before(async () => {
  stack = await startTestStack({ env: { WEBSITE_AUTH_ENABLED: 'True', MEMORY_BUDGET_MIB: String(BUDGET_MIB) } });
});

after(async () => {
  await stack?.stop();
});

/** What App Service Authentication injects for a signed-in admin (the browser sends only its cookie). */
function adminPrincipal(): string {
  const claims = [{ typ: 'preferred_username', val: 'grace@example.com' }, { typ: 'roles', val: 'MailChannel.Admin' }];
  return Buffer.from(JSON.stringify({ auth_typ: 'aad', claims, name_typ: 'preferred_username', role_typ: 'roles' })).toString('base64');
}

async function call(p: string, init: { method?: string; headers?: Record<string, string>; body?: string | Buffer } = {}) {
  const res = await fetch(`${stack.baseUrl}/api/${p}`, { method: init.method ?? 'GET', headers: init.headers, body: init.body });
  const text = await res.text();
  let json: { error?: string; message?: string; issues?: { path: string; message: string }[]; status?: string; id?: string } = {};
  try { json = text ? JSON.parse(text) : {}; } catch { /* not JSON */ }
  return { status: res.status, headers: res.headers, text, json };
}

const withKey = (headers: Record<string, string> = {}) => ({ 'x-functions-key': stack.adminKey, ...headers });

async function draftChannel(): Promise<string> {
  const body = fs.readFileSync(path.join(repoRoot, 'docs', 'examples', 'channel-imap.json'), 'utf8');
  const created = await call('channels', { method: 'POST', headers: withKey({ 'content-type': 'application/json' }), body });
  assert.equal(created.status, 201, created.text);
  return created.json.id ?? '';
}

test('a cross-site form POST with the admin\'s session cannot publish, pause, sync, retry or dry-run', async () => {
  const id = await draftChannel();
  const session = { 'x-ms-client-principal': adminPrincipal() };
  const forms: Record<string, string>[] = [
    // a modern browser: the form's Origin and Sec-Fetch-Site
    { ...session, 'content-type': 'application/x-www-form-urlencoded', origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' },
    // an old browser or a privacy proxy that strips both: the simple content type alone gives it away
    { ...session, 'content-type': 'text/plain' },
    { ...session, 'content-type': 'multipart/form-data; boundary=x' },
    // a cross-site fetch that made it non-simple (the browser would preflight; we refuse on Origin anyway)
    { ...session, 'content-type': 'application/json', origin: 'https://evil.example' },
    { ...session, 'x-requested-with': 'XMLHttpRequest', 'sec-fetch-site': 'same-site' },
  ];
  for (const headers of forms) {
    for (const p of [`channels/${id}/publish`, `channels/${id}/pause`, `channels/${id}/sync`, `channels/${id}/messages/abc/retry`]) {
      const r = await call(p, { method: 'POST', headers, body: 'a=1' });
      assert.equal(r.status, 403, `${p} with ${JSON.stringify(headers)}: ${r.text}`);
      assert.equal(r.json.error, 'cross_site_request');
    }
  }
  const dry = await call(`channels/${id}/dry-run`, { method: 'POST', headers: { ...session, 'content-type': 'text/plain' }, body: rfc822({ subject: 'forged' }) });
  assert.equal(dry.status, 403, dry.text);
  assert.equal((await call(`channels/${id}`, { headers: withKey() })).json.status, 'draft', 'nothing changed');
});

test('the admin page (same origin, a non-simple request) and curl with the admin key still change state', async () => {
  const id = await draftChannel();
  const page = await call(`channels/${id}/publish`, {
    method: 'POST',
    headers: { 'x-ms-client-principal': adminPrincipal(), 'x-requested-with': 'XMLHttpRequest', origin: stack.baseUrl, 'sec-fetch-site': 'same-origin' },
  });
  assert.equal(page.status, 200, page.text);
  assert.equal(page.json.status, 'published');
  // README's walkthrough: `curl -H "x-functions-key: $KEY" -X POST …/pause` (no body, no content type)
  const curl = await call(`channels/${id}/pause`, { method: 'POST', headers: withKey() });
  assert.equal(curl.status, 200, curl.text);
  const bearer = await call(`channels/${id}/publish`, { method: 'POST', headers: { authorization: `Bearer ${stack.adminKey}` } });
  assert.equal(bearer.status, 200, bearer.text);
  const dry = await call(`channels/${id}/dry-run`, { method: 'POST', headers: withKey({ 'content-type': 'message/rfc822' }), body: rfc822({ subject: 'still works' }) });
  assert.equal(dry.status, 200, dry.text);
  const plain = await call(`channels/${id}/dry-run`, { method: 'POST', headers: withKey({ 'content-type': 'text/plain' }), body: rfc822({ subject: 'form type' }) });
  assert.equal(plain.status, 415, 'the dry run takes message/rfc822, not a form\'s text/plain');
});

test('route ids with / \\ # ? spaces or control characters get 400 naming the parameter, never 500', async () => {
  const id = await draftChannel();
  const weird = ['a/b', 'a\\b', 'a#b', 'a?b', 'a b', ' ', 'tab\there', 'x'.repeat(300), '%2F', 'é'];
  const routes = (v: string) => {
    const e = encodeURIComponent(v);
    return [
      ['GET', `channels/${e}`], ['PATCH', `channels/${e}`], ['DELETE', `channels/${e}`], ['POST', `channels/${e}/publish`],
      ['GET', `channels/${e}/stats`], ['GET', `channels/${e}/messages`], ['GET', `channels/${id}/messages/${e}`],
      ['POST', `channels/${id}/messages/${e}/retry`], ['GET', `templates/${e}`], ['GET', `tickets/${e}`],
      ['GET', `tickets/${e}/attachments/0`], ['GET', `tickets/T-1/notes/${e}/attachments/0`], ['GET', `tickets/T-1/attachments/${e}`],
    ] as const;
  };
  for (const v of weird) {
    for (const [method, p] of routes(v)) {
      const r = await call(p, { method, headers: withKey({ 'content-type': 'application/merge-patch+json' }), ...(method === 'PATCH' ? { body: '{}' } : {}) });
      // the host may answer 404 itself when a decoded segment no longer matches the route; never 500
      assert.ok(r.status === 400 || r.status === 404, `${method} ${p}: ${r.status} ${r.text}`);
      if (r.status === 400) {
        assert.equal(r.json.error, 'validation', r.text);
        assert.match(r.json.issues?.[0]?.path ?? '', /^params\./, r.text);
      }
    }
  }
  const one = await call(`channels/${encodeURIComponent('a/b')}`, { headers: withKey() });
  assert.equal(one.status, 400);
  assert.deepEqual(one.json.issues?.map((i) => i.path), ['params.id']);
});

test('JSON nested 10,000 deep gets 400 (at most 64 levels), not 500', async () => {
  const id = await draftChannel();
  const deep = (n: number) => `${'{"a":'.repeat(n)}1${'}'.repeat(n)}`;
  const deepArray = (n: number) => `${'['.repeat(n)}${']'.repeat(n)}`;
  for (const [method, p, body] of [
    ['POST', 'channels', deep(10_000)],
    ['PUT', `channels/${id}`, deep(10_000)],
    ['PATCH', `channels/${id}`, `{"ticketMapping":${deep(10_000)}}`],
    ['PATCH', `channels/${id}`, `{"name":"x","connection":${deepArray(10_000)}}`],
    ['POST', 'channels', deep(65)],
  ] as const) {
    const r = await call(p, { method, headers: withKey({ 'content-type': 'application/json' }), body });
    assert.equal(r.status, 400, `${method} ${p}: ${r.text.slice(0, 300)}`);
    assert.equal(r.json.error, 'json_too_deep', r.text.slice(0, 300));
  }
  const notify = await fetch(`${stack.baseUrl}/api/graph/notify`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: `{"value":[${deep(10_000)}]}` });
  assert.equal(notify.status, 400);
  // 64 levels is still JSON as usual (validation decides about its content)
  const ok = await call(`channels/${id}`, { method: 'PATCH', headers: withKey({ 'content-type': 'application/json' }), body: `{"name":${deep(62)}}` });
  assert.equal(ok.status, 400);
  assert.equal(ok.json.error, 'validation', ok.text.slice(0, 300));
});

test('parallel dry runs beyond the memory budget are refused with 503 and Retry-After, not queued without end', async () => {
  const id = await draftChannel();
  // 3 MiB each against a 4 MiB budget: one at a time fits, two do not.
  const filler = 'All work and no play makes Jack a dull boy. '.repeat(Math.ceil((3 * 1024 * 1024) / 45));
  const eml = rfc822({ subject: 'big one', body: filler.match(/.{1,76}/g)?.join('\r\n') ?? filler });
  const N = 8;
  const answers = await Promise.all(
    Array.from({ length: N }, () => call(`channels/${id}/dry-run`, { method: 'POST', headers: withKey({ 'content-type': 'message/rfc822' }), body: eml })),
  );
  const refused = answers.filter((a) => a.status === 503);
  const done = answers.filter((a) => a.status === 200);
  assert.equal(refused.length + done.length, N, answers.map((a) => `${a.status} ${a.text.slice(0, 200)}`).join('\n'));
  assert.ok(done.length >= 1, 'at least the first one runs');
  assert.ok(refused.length >= 1, `some are refused (${done.length} of ${N} ran)`);
  for (const r of refused) {
    assert.match(r.headers.get('retry-after') ?? '', /^\d+$/);
    assert.equal(r.json.error, 'busy');
  }
});

test('the sign-in routes: start and status answer 401 without identity and 403 without the role; the callback is public but admits only a live state', async () => {
  const id = await draftChannel();
  const reader = { 'x-ms-client-principal': Buffer.from(JSON.stringify({ auth_typ: 'aad', claims: [{ typ: 'preferred_username', val: 'rex@example.com' }, { typ: 'roles', val: 'MailChannel.Reader' }], name_typ: 'preferred_username', role_typ: 'roles' })).toString('base64') };
  for (const p of [`oauth/${id}/start`, `oauth/${id}/status`]) {
    const anonymous = await call(p);
    assert.equal(anonymous.status, 401, `${p}: ${anonymous.text}`);
    assert.equal(anonymous.json.error, 'unauthorized');
    const notAdmin = await call(p, { headers: reader });
    assert.equal(notAdmin.status, 403, `${p}: ${notAdmin.text}`);
    assert.equal(notAdmin.json.error, 'forbidden');
    // The admin's browser session: the route runs, and refuses a channel that does not sign in as a user.
    const admin = await call(p, { headers: { 'x-ms-client-principal': adminPrincipal() } });
    assert.equal(admin.status, 409, `${p}: ${admin.text}`);
    assert.equal(admin.json.error, 'not_authorization_code');
  }
  // No identity needed to reach the callback (the provider's redirect carries none), but without a live state it redeems nothing.
  const forged = `${Buffer.from(id).toString('base64url')}.${Buffer.alloc(32, 1).toString('base64url')}`;
  for (const query of ['', `?state=${forged}&code=stolen-code`, '?state=x&code=y', `?state=${'a'.repeat(5000)}`]) {
    const r = await call(`oauth/callback${query}`);
    assert.equal(r.status, 400, `${query.slice(0, 60)}: ${r.text}`);
    assert.match(r.headers.get('content-type') ?? '', /^text\/html/);
    assert.match(r.headers.get('content-security-policy') ?? '', /default-src 'none'/);
    assert.match(r.text, /Sign-in (refused|failed)/);
  }
});
