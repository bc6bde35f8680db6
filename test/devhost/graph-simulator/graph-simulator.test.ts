import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startGraphSimulator, type GraphSimulator } from '../../../devhost/graph-simulator';
import { testMail } from '../../../devhost/graph-simulator/channel';
import { rawRequest, rawToken } from '../../../devhost/graph-simulator/raw-client';

/**
 * The simulator speaks Graph's and Entra ID's wire format: these tests read it the way a
 * plain HTTP client would, so what the SDK-driven tests rely on is itself checked.
 */
const MB = 'wire@contoso.example';

describe('Graph simulator wire format', () => {
  let sim: GraphSimulator;
  let token: string;
  const url = (path: string) => `${sim.graphBaseUrl}/users/${encodeURIComponent(MB)}${path}`;
  const auth = (extra: Record<string, string> = {}) => ({ Authorization: `Bearer ${token}`, ...extra });

  before(async () => {
    sim = await startGraphSimulator({ mailboxes: [MB], latencyMs: 30 });
    token = await rawToken(sim);
  });
  after(async () => {
    await sim.stop();
  });

  it("a wrong client secret gets Entra's invalid_client / AADSTS7000215 answer", async () => {
    const r = await rawRequest(sim, sim.tokenEndpoint(sim.app.tenantId), {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: sim.app.clientId, client_secret: 'nope', scope: 'https://graph.microsoft.com/.default' }).toString(),
    });
    assert.equal(r.status, 401);
    const body = r.json as { error: string; error_codes: number[]; error_description: string; trace_id: string; correlation_id: string };
    assert.equal(body.error, 'invalid_client');
    assert.deepEqual(body.error_codes, [7000215]);
    assert.match(body.error_description, /^AADSTS7000215: Invalid client secret provided/);
    assert.ok(body.trace_id && body.correlation_id);
  });

  it('the managed identity endpoint speaks App Service 2019-08-01 over loopback http, and its token opens Graph', async () => {
    const mi = sim.managedIdentity;
    assert.match(mi.endpoint, /^http:\/\/127\.0\.0\.1:\d+\/msi\/token$/);
    const ask = (query: string, header: string | null = mi.header) =>
      fetch(`${mi.endpoint}?${query}`, { headers: header === null ? {} : { 'X-IDENTITY-HEADER': header } });
    const ok = await ask('api-version=2019-08-01&resource=https://graph.microsoft.com');
    assert.equal(ok.status, 200);
    const body = (await ok.json()) as { access_token: string; expires_on: string; resource: string; token_type: string; client_id: string };
    assert.equal(body.token_type, 'Bearer');
    assert.equal(body.resource, 'https://graph.microsoft.com');
    assert.equal(body.client_id, mi.systemAssignedClientId);
    assert.match(body.expires_on, /^\d{10}$/, 'epoch seconds, as a string');
    const graph = await rawRequest(sim, `${sim.graphBaseUrl}/users/${encodeURIComponent(MB)}/mailFolders`, { headers: { Authorization: `Bearer ${body.access_token}` } });
    assert.equal(graph.status, 200);

    assert.equal((await ask('api-version=2019-08-01&resource=https://graph.microsoft.com', null)).status, 401);
    assert.equal((await ask('api-version=2019-08-01&resource=https://graph.microsoft.com', 'wrong')).status, 401);
    assert.equal((await ask('api-version=2017-09-01&resource=https://graph.microsoft.com')).status, 400);
    const unknown = await ask(`api-version=2019-08-01&resource=https://graph.microsoft.com&client_id=${crypto.randomUUID()}`);
    assert.equal(unknown.status, 400);
    assert.equal(((await unknown.json()) as { message: string }).message, 'Unable to load the proper Managed Identity.');
  });

  it('a mailbox outside the app\'s scope answers 403 ErrorAccessDenied "Access to OData is disabled."; inside it answers', async () => {
    sim.setMailboxScope(sim.app.clientId, ['someone-else@contoso.example']);
    try {
      const r = await rawRequest(sim, url('/mailFolders'), { headers: auth() });
      assert.equal(r.status, 403);
      assert.deepEqual((r.json as { error: { code: string; message: string } }).error.code, 'ErrorAccessDenied');
      assert.equal((r.json as { error: { message: string } }).error.message, 'Access to OData is disabled.');
      sim.setMailboxScope(sim.app.clientId, [MB.toUpperCase()]);
      assert.equal((await rawRequest(sim, url('/mailFolders'), { headers: auth() })).status, 200);
    } finally {
      sim.setMailboxScope(sim.app.clientId, undefined);
    }
  });

  it("a Graph call without a token gets 401 with Graph's error body", async () => {
    const r = await rawRequest(sim, url('/mailFolders'), { headers: { 'client-request-id': 'abc-123' } });
    assert.equal(r.status, 401);
    const err = (r.json as { error: { code: string; message: string; innerError: Record<string, string> } }).error;
    assert.equal(err.code, 'InvalidAuthenticationToken');
    assert.equal(err.innerError['client-request-id'], 'abc-123');
    assert.ok(err.innerError['request-id']);
    assert.match(err.innerError.date ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/);
  });

  it('delta pages through @odata.nextLink to a final @odata.deltaLink, and reports moved-out mail as @removed', async () => {
    for (let i = 0; i < 5; i++) await sim.deliver(MB, 'inbox', testMail({ subject: `wire ${i}` }));
    const pages: { ['@odata.context']?: string; ['@odata.nextLink']?: string; ['@odata.deltaLink']?: string; value: { id: string; subject?: string }[] }[] = [];
    let next: string | undefined = url("/mailFolders('inbox')/messages/delta?$select=subject");
    while (next) {
      const r = await rawRequest(sim, next, { headers: auth({ Prefer: 'odata.maxpagesize=2, IdType="ImmutableId"' }) });
      assert.equal(r.status, 200);
      assert.match(r.headers.get('preference-applied') ?? '', /odata\.maxpagesize=2/);
      const page = r.json as (typeof pages)[number];
      pages.push(page);
      next = page['@odata.nextLink'];
      if (!next) assert.ok(page['@odata.deltaLink']);
    }
    assert.equal(pages.length, 3);
    assert.ok(pages.every((p) => p['@odata.context']?.endsWith('$metadata#Collection(message)')));
    assert.deepEqual(pages.flatMap((p) => p.value.map((m) => m.subject)).sort(), ['wire 0', 'wire 1', 'wire 2', 'wire 3', 'wire 4']);
    assert.ok(pages.every((p) => p.value.every((m) => Object.keys(m).every((k) => ['@odata.type', '@odata.etag', 'id', 'subject'].includes(k)))), '$select honoured');

    const deltaLink = pages.at(-1)?.['@odata.deltaLink'] ?? '';
    const moved = pages[0]?.value[0]?.id ?? '';
    sim.moveMessage(MB, moved, 'archive');
    const r = await rawRequest(sim, deltaLink, { headers: auth({ Prefer: 'IdType="ImmutableId"' }) });
    assert.deepEqual((r.json as { value: unknown[] }).value, [{ '@odata.type': '#microsoft.graph.message', id: moved, '@removed': { reason: 'deleted' } }]);
  });

  it('an expired delta link answers 410 Gone with SyncStateNotFound', async () => {
    const first = await rawRequest(sim, url('/mailFolders/inbox/messages/delta'), { headers: auth({ Prefer: 'odata.maxpagesize=1000' }) });
    const deltaLink = (first.json as { '@odata.deltaLink': string })['@odata.deltaLink'];
    sim.expireDeltaTokens();
    const r = await rawRequest(sim, deltaLink, { headers: auth() });
    assert.equal(r.status, 410);
    assert.equal((r.json as { error: { code: string } }).error.code, 'SyncStateNotFound');
  });

  it('ids are stable across a move with Prefer IdType="ImmutableId" and change without it', async () => {
    const immutable = await sim.deliver(MB, 'inbox', testMail({ subject: 'ids' }));
    const before = await rawRequest(sim, url(`/messages/${immutable}?$select=id`), { headers: auth() });
    const restId = (before.json as { id: string }).id;
    assert.notEqual(restId, immutable);
    const moved = await rawRequest(sim, url(`/messages/${restId}/move`), { method: 'POST', headers: auth({ 'Content-Type': 'application/json' }), body: JSON.stringify({ destinationId: 'archive' }) });
    assert.equal(moved.status, 201);
    const newRestId = (moved.json as { id: string }).id;
    assert.notEqual(newRestId, restId, 'a REST id changes on move');
    assert.equal((await rawRequest(sim, url(`/messages/${restId}`), { headers: auth() })).status, 404, 'the old REST id is gone');
    const back = await rawRequest(sim, url(`/messages/${newRestId}/move`), { method: 'POST', headers: auth({ 'Content-Type': 'application/json', Prefer: 'IdType="ImmutableId"' }), body: JSON.stringify({ destinationId: 'inbox' }) });
    assert.equal((back.json as { id: string }).id, immutable, 'the immutable id survives moves');
  });

  it('$value is the raw MIME as text/plain', async () => {
    const mime = testMail({ subject: 'raw bytes' });
    const id = await sim.deliver(MB, 'inbox', mime);
    const r = await rawRequest(sim, url(`/messages/${id}/$value`), { headers: auth() });
    assert.equal(r.status, 200);
    assert.match(r.headers.get('content-type') ?? '', /^text\/plain/);
    assert.equal(r.text, mime);
  });

  it('a fifth concurrent request on one mailbox gets 429 ApplicationThrottled with Retry-After', async () => {
    // requests stay "in Exchange" for 3 s, so the eight overlap however slowly a loaded machine opens their connections
    const slow = await startGraphSimulator({ mailboxes: [MB], latencyMs: 3000 });
    const t = await rawToken(slow);
    const id = await slow.deliver(MB, 'inbox', testMail());
    const results = await Promise.all(
      Array.from({ length: 8 }, () => rawRequest(slow, `${slow.graphBaseUrl}/users/${encodeURIComponent(MB)}/messages/${id}?$select=id`, { headers: { Authorization: `Bearer ${t}` } })),
    ).finally(() => slow.stop());
    const throttled = results.filter((r) => r.status === 429);
    assert.ok(throttled.length >= 1, 'at least one request over the limit was refused');
    assert.ok(results.filter((r) => r.status === 200).length >= 4);
    const err = (throttled[0]?.json as { error: { code: string; message: string } }).error;
    assert.equal(err.code, 'ApplicationThrottled');
    assert.match(err.message, /MailboxConcurrency/);
    assert.ok(Number(throttled[0]?.headers.get('retry-after')) >= 1);
  });

  it('the request window refuses the request over the limit with the seconds until a slot frees', async () => {
    const small = await startGraphSimulator({ mailboxes: [MB], throttle: { requestsPerWindow: 3, windowMs: 60_000 } });
    try {
      const t = await rawToken(small);
      const get = () => rawRequest(small, `${small.graphBaseUrl}/users/${encodeURIComponent(MB)}/mailFolders/inbox`, { headers: { Authorization: `Bearer ${t}` } });
      for (let i = 0; i < 3; i++) assert.equal((await get()).status, 200);
      const over = await get();
      assert.equal(over.status, 429);
      const seconds = Number(over.headers.get('retry-after'));
      assert.ok(seconds > 0 && seconds <= 60);
    } finally {
      await small.stop();
    }
  });

  it('sendMail stores the mail in Sent Items and answers 202', async () => {
    const r = await rawRequest(sim, url('/sendMail'), {
      method: 'POST',
      headers: auth({ 'Content-Type': 'application/json' }),
      body: JSON.stringify({ message: { subject: 'Re: your ticket', body: { contentType: 'Text', content: 'Done.' }, toRecipients: [{ emailAddress: { address: 'customer@customer.example' } }] } }),
    });
    assert.equal(r.status, 202);
    assert.equal(sim.sentMail.at(-1)?.mailbox, MB);
    assert.ok(sim.folderMessages(MB, 'sentitems').some((m) => m.subject === 'Re: your ticket'));
  });

  it('sendMail in MIME format keeps the headers as sent, saves to Sent Items and delivers into a recipient mailbox of the simulator', async () => {
    const OTHER = 'colleague@contoso.example';
    sim.addMailbox(OTHER);
    const mime = [
      `From: Desk <${MB}>`,
      `To: ${OTHER}, outside@customer.example`,
      'Subject: Re: printer [#T-7]',
      'Message-ID: <mc.abc@desk.contoso.example>',
      'In-Reply-To: <orig@customer.example>',
      'Auto-Submitted: auto-replied',
      'X-MailChannel-Id: ch-1',
      'Content-Type: text/plain; charset=utf-8',
      '',
      'We are on it.',
      '',
    ].join('\r\n');
    const r = await rawRequest(sim, url('/sendMail'), { method: 'POST', headers: auth({ 'Content-Type': 'text/plain' }), body: Buffer.from(mime).toString('base64') });
    assert.equal(r.status, 202);
    const sent = sim.sentMail.at(-1)!;
    assert.deepEqual(sent.deliveredTo, [OTHER], 'only the simulator\'s own mailbox gets a copy');
    assert.equal(sent.raw.toString(), mime);
    const inbox = sim.folderMessages(OTHER, 'inbox');
    assert.equal(inbox.length, 1);
    assert.equal(inbox[0]!.internetMessageId, '<mc.abc@desk.contoso.example>');
    assert.ok(sim.folderMessages(MB, 'sentitems').some((m) => m.internetMessageId === '<mc.abc@desk.contoso.example>'));
  });

  it('sendMail in MIME format refuses a body that is not base64, or not a message with a sender and a recipient', async () => {
    const before = sim.sentMail.length;
    const post = (body: string) => rawRequest(sim, url('/sendMail'), { method: 'POST', headers: auth({ 'Content-Type': 'text/plain' }), body });
    const notBase64 = await post('this is not base64!');
    assert.equal(notBase64.status, 400);
    assert.equal((notBase64.json as { error: { code: string } }).error.code, 'ErrorMimeContentInvalidBase64String');
    const noRecipient = await post(Buffer.from(`From: ${MB}\r\nSubject: x\r\n\r\nbody\r\n`).toString('base64'));
    assert.equal(noRecipient.status, 400);
    assert.equal((noRecipient.json as { error: { code: string } }).error.code, 'ErrorMimeContentInvalid');
    assert.equal(sim.sentMail.length, before);
  });
});
