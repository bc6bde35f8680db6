import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startTestStack, type TestStack } from '../support/stack';
import { fixtureApp } from './helpers';

/** HTTP triggers through the real local host, against the fixture app. */
describe('devhost HTTP triggers', () => {
  let stack: TestStack;
  before(async () => { stack = await startTestStack({ appRoot: fixtureApp }); });
  after(async () => { await stack?.stop(); });

  const get = (p: string, init?: RequestInit) => fetch(`${stack.baseUrl}${p}`, init);
  const json = async (res: Response) => (await res.json()) as Record<string, unknown>;

  test('a route template with an int constraint takes only integers, and a literal route wins over a parameter', async () => {
    const byId = await get('/api/items/42');
    assert.equal(byId.status, 200);
    const body = await json(byId);
    assert.equal(body.fn, 'itemById');
    assert.deepEqual(body.params, { id: '42' });

    assert.equal((await json(await get('/api/items/abc'))).fn, 'itemByName');
    assert.equal((await json(await get('/api/items/latest'))).fn, 'itemsLatest');
    // Integers beyond Int32 fail the constraint and fall to the next route.
    assert.equal((await json(await get('/api/items/99999999999'))).fn, 'itemByName');
  });

  test('routes live under /api, match case-insensitively, and an unknown path is 404', async () => {
    assert.equal((await get('/api/ITEMS/7')).status, 200);
    assert.equal((await get('/items/7')).status, 404);
    assert.equal((await get('/api/no/such/route')).status, 404);
    // A function without a route is served at its name.
    const byName = await get('/api/defaultRoute');
    assert.equal(byName.status, 200);
    assert.equal(await byName.text(), 'served at its name');
  });

  test('a method the function does not accept is 404, like an unknown route', async () => {
    assert.equal((await get('/api/items/42', { method: 'DELETE' })).status, 404);
    assert.equal((await get('/api/echo', { method: 'GET' })).status, 404);
  });

  test('an optional route parameter may be left out; a catch-all takes the rest of the path, decoded', async () => {
    const without = await json(await get('/api/echo', { method: 'POST', body: 'x' }));
    assert.deepEqual(without.params, {});
    const withName = await json(await get('/api/echo/bob', { method: 'POST', body: 'x' }));
    assert.deepEqual(withName.params, { name: 'bob' });
    const files = await json(await get('/api/files/a/b%20c.txt'));
    assert.deepEqual(files.params, { path: 'a/b c.txt' });
  });

  test('the handler gets the method, URL, lower-cased headers, query (repeated values joined) and body', async () => {
    const res = await get('/api/echo/x?a=1&a=2&b=', { method: 'PUT', body: 'hello body', headers: { 'X-Custom': 'Yes', 'Content-Type': 'text/plain' } });
    assert.equal(res.status, 201);
    const body = await json(res);
    assert.equal(body.method, 'PUT');
    assert.equal(body.url, `${stack.baseUrl}/api/echo/x?a=1&a=2&b=`);
    assert.deepEqual(body.query, { a: '1,2', b: '' });
    assert.equal((body.headers as Record<string, string>)['x-custom'], 'Yes');
    assert.equal(body.body, 'hello body');
  });

  test('status, headers, cookies and jsonBody of an HttpResponse are written back', async () => {
    const res = await get('/api/echo', { method: 'POST', body: '{}' });
    assert.equal(res.status, 201);
    assert.equal(res.headers.get('x-echo'), 'yes');
    assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
    assert.equal(res.headers.get('set-cookie'), 'session=abc; path=/; samesite=lax; httponly');
  });

  test('a handler that returns nothing gives 200 with an empty body; one that throws gives 500', async () => {
    const nothing = await get('/api/nothing');
    assert.equal(nothing.status, 200);
    assert.equal(await nothing.text(), '');
    const boom = await get('/api/boom');
    assert.equal(boom.status, 500);
    assert.equal(await boom.text(), '');
    assert.match(stack.logs(), /Executed 'Functions\.boom' \(Failed/);
  });

  test('authLevel function needs a host or master key (x-functions-key or ?code=); without a valid one it is 401', async () => {
    assert.equal((await get('/api/secret')).status, 401);
    assert.equal((await get('/api/secret', { headers: { 'x-functions-key': 'wrong' } })).status, 401);
    assert.equal((await get(`/api/secret?code=${stack.functionKey}`)).status, 200);
    const viaHeader = await get('/api/secret', { headers: { 'x-functions-key': stack.masterKey } });
    assert.equal(viaHeader.status, 200);
    assert.equal(await viaHeader.text(), 'the secret');
  });

  test('authLevel admin accepts only the master key', async () => {
    assert.equal((await get('/api/admin-only', { headers: { 'x-functions-key': stack.functionKey } })).status, 401);
    assert.equal((await get('/api/admin-only', { headers: { 'x-functions-key': stack.masterKey } })).status, 200);
  });

  test('the admin API needs the master key and answers 404 for an unknown function', async () => {
    const unauth = await get('/admin/functions/tick', { method: 'POST', body: '{"input":""}' });
    assert.equal(unauth.status, 401);
    const unknown = await get('/admin/functions/nope', { method: 'POST', body: '{"input":""}', headers: { 'x-functions-key': stack.masterKey } });
    assert.equal(unknown.status, 404);
    const ok = await get('/admin/functions/tick', { method: 'POST', body: '{"input":""}', headers: { 'x-functions-key': stack.masterKey } });
    assert.equal(ok.status, 202);
  });
});
