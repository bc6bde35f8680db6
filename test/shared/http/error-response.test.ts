import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InvocationContext } from '@azure/functions';
import { errorResponse } from '../../../shared/http/handler';
import { HttpError, ValidationError } from '../../../shared/http/api-error';
import { NotFoundError, PreconditionFailedError, ConflictError } from '../../../shared/store/errors';
import { PermanentError, TransientError } from '../../../shared/errors';

function ctx(logs: string[]): InvocationContext {
  return new InvocationContext({ invocationId: 'inv-1', functionName: 'x', logHandler: (_level, ...args) => logs.push(args.join(' ')) });
}

test('each failure maps to its status with { error, message }', () => {
  const cases: [unknown, number, string][] = [
    [new ValidationError([{ path: 'connection.port', message: 'too big' }]), 400, 'validation'],
    [new NotFoundError('channel', 'c1'), 404, 'not_found'],
    [new PreconditionFailedError('channel', 'c1'), 412, 'precondition_failed'],
    [new ConflictError('no'), 409, 'conflict'],
    [new HttpError(415, 'unsupported_media_type', 'json please'), 415, 'unsupported_media_type'],
    [new TransientError('KEY_VAULT_UNAVAILABLE', 'down'), 503, 'unavailable'],
    [new PermanentError('SECRET_STORE_NOT_CONFIGURED', 'configure it'), 500, 'secret_store_not_configured'],
    [Object.assign(new Error('throttled'), { code: 429 }), 503, 'unavailable'],
    [new Error('boom'), 500, 'internal'],
  ];
  for (const [err, status, error] of cases) {
    const r = errorResponse(err, ctx([]));
    assert.equal(r.status, status, String(err));
    const body = r.jsonBody as { error: string; message: string };
    assert.equal(body.error, error);
    assert.equal(typeof body.message, 'string');
  }
});

test('a validation error keeps its issues', () => {
  const r = errorResponse(new ValidationError([{ path: 'a.b', message: 'bad' }]), undefined);
  assert.deepEqual((r.jsonBody as { issues: unknown }).issues, [{ path: 'a.b', message: 'bad' }]);
});

test('an unexpected error reveals nothing to the caller and its log line holds no secret', () => {
  const logs: string[] = [];
  const r = errorResponse(new Error('connect failed for password=hunter2-xyz'), ctx(logs), ['hunter2-xyz']);
  assert.equal((r.jsonBody as { message: string }).message, 'internal error (invocation inv-1)');
  assert.equal(logs.length, 1);
  assert.ok(!logs.join('').includes('hunter2-xyz'), logs.join(''));
  assert.ok(logs.join('').includes('[redacted]'));
});
