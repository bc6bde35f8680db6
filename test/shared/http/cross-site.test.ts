import { test } from 'node:test';
import assert from 'node:assert/strict';
import { crossSiteRefusal } from '../../../shared/http/cross-site';

const URL_ = 'https://mailchannel.example/api/channels/c1/publish';
const h = (headers: Record<string, string>) => new Headers(headers);
const refused = (method: string, headers: Record<string, string>, url = URL_) => crossSiteRefusal(method, h(headers), url) !== undefined;

test('a form-like POST (no type, or a form\'s type, and no custom header) is refused; reads never are', () => {
  for (const type of [undefined, 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'text/plain;charset=UTF-8', 'TEXT/PLAIN']) {
    assert.ok(refused('POST', type ? { 'content-type': type } : {}), String(type));
  }
  assert.ok(!refused('GET', { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' }), 'reads change nothing');
});

test('a POST a browser would have to preflight passes: its own content type, X-Requested-With, or the admin key headers', () => {
  assert.equal(crossSiteRefusal('POST', h({ 'content-type': 'application/json' }), URL_), undefined);
  assert.equal(crossSiteRefusal('POST', h({ 'content-type': 'message/rfc822' }), URL_), undefined);
  assert.equal(crossSiteRefusal('POST', h({ 'x-requested-with': 'XMLHttpRequest' }), URL_), undefined);
  assert.equal(crossSiteRefusal('POST', h({ 'x-functions-key': 'k' }), URL_), undefined);
  assert.equal(crossSiteRefusal('POST', h({ authorization: 'Bearer k', 'content-type': 'text/plain' }), URL_), undefined);
  assert.ok(refused('POST', { 'x-requested-with': '  ' }), 'an empty header is no header');
});

test('PUT, PATCH and DELETE need no marker (never simple) but are refused from another site', () => {
  for (const m of ['PUT', 'PATCH', 'DELETE']) {
    assert.ok(!refused(m, {}), m);
    assert.ok(refused(m, { 'sec-fetch-site': 'cross-site' }), m);
    assert.ok(refused(m, { origin: 'https://evil.example' }), m);
  }
});

test('Sec-Fetch-Site must be same-origin (or none); Origin, when sent, must be this host', () => {
  const ok = { 'x-requested-with': '1' };
  assert.ok(!refused('POST', { ...ok, 'sec-fetch-site': 'same-origin' }));
  assert.ok(!refused('POST', { ...ok, 'sec-fetch-site': 'none' }));
  assert.ok(refused('POST', { ...ok, 'sec-fetch-site': 'same-site' }), 'a sibling subdomain is another origin');
  assert.ok(refused('POST', { ...ok, 'sec-fetch-site': 'cross-site' }));
  assert.ok(!refused('POST', { ...ok, origin: 'https://mailchannel.example' }));
  assert.ok(!refused('POST', { ...ok, origin: 'https://mailchannel.example:443' }), 'default port');
  assert.ok(refused('POST', { ...ok, origin: 'https://mailchannel.example.evil.example' }));
  assert.ok(refused('POST', { ...ok, origin: 'null' }), 'an opaque origin (sandboxed frame) is not this site');
  // TLS ends in front of the worker: the request URL may say http; the Host header or X-Forwarded-Host names the site
  assert.ok(!refused('POST', { ...ok, origin: 'https://mailchannel.example' }, 'http://mailchannel.example/api/x'));
  assert.ok(!refused('POST', { ...ok, origin: 'https://admin.contoso.example', host: 'admin.contoso.example' }, 'http://10.0.0.4/api/x'));
  assert.ok(!refused('POST', { ...ok, origin: 'https://front.example', 'x-forwarded-host': 'front.example, inner' }, 'http://10.0.0.4/api/x'));
  assert.ok(refused('POST', { ...ok, origin: 'http://127.0.0.1:9999' }, 'http://127.0.0.1:7071/api/x'), 'another port is another origin');
});
