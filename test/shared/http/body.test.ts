import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HttpRequest } from '@azure/functions';
import { readJsonBody } from '../../../shared/http/body';
import { HttpError } from '../../../shared/http/api-error';

function req(body: string, contentType?: string): HttpRequest {
  return new HttpRequest({
    method: 'POST',
    url: 'http://127.0.0.1/api/channels',
    headers: contentType ? { 'content-type': contentType } : {},
    body: { string: body },
  });
}

async function status(p: Promise<unknown>): Promise<{ status: number; error: string; message: string }> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof HttpError, String(err));
    return { status: err.status, error: err.error, message: err.message };
  }
  assert.fail('expected an error');
}

test('JSON bodies parse, also as merge-patch+json with a charset', async () => {
  assert.deepEqual(await readJsonBody(req('{"a":1}', 'application/json')), { a: 1 });
  assert.deepEqual(await readJsonBody(req('{"a":null}', 'application/merge-patch+json; charset=utf-8')), { a: null });
});

test('a body that is not JSON by its content type gets 415', async () => {
  assert.equal((await status(readJsonBody(req('a=1', 'application/x-www-form-urlencoded')))).status, 415);
  assert.equal((await status(readJsonBody(req('{"a":1}')))).status, 415);
});

test('malformed JSON gets 400 without echoing the body (it may hold a password)', async () => {
  const r = await status(readJsonBody(req('{"password": "hunter2-secret", oops}', 'application/json')));
  assert.equal(r.status, 400);
  assert.equal(r.error, 'malformed_json');
  assert.ok(!r.message.includes('hunter2'), r.message);
});

test('an empty body gets 400', async () => {
  assert.equal((await status(readJsonBody(req('', 'application/json')))).status, 400);
});

test('a body above the limit gets 413', async () => {
  const big = JSON.stringify({ a: 'x'.repeat(2000) });
  assert.equal((await status(readJsonBody(req(big, 'application/json'), 1000))).status, 413);
});

test('a raw upload is read as bytes when its type is accepted, and refused (415/413/400) otherwise', async () => {
  const { readRawBody } = await import('../../../shared/http/body');
  const eml = 'From: a@example.com\r\nSubject: hi\r\n\r\nbody';
  assert.equal((await readRawBody(req(eml, 'message/rfc822'), 1000, ['message/rfc822'])).toString('utf8'), eml);
  assert.equal((await status(readRawBody(req(eml, 'application/json'), 1000, ['message/rfc822']))).status, 415);
  assert.equal((await status(readRawBody(req(eml, 'message/rfc822'), 10, ['message/rfc822']))).status, 413);
  assert.equal((await status(readRawBody(req('', 'message/rfc822'), 10, ['message/rfc822']))).status, 400);
});
