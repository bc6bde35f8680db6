import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PermanentError, TransientError } from '../../../shared/errors';
import { redactingSource } from '../../../shared/sources/redacting-source';
import type { MailSource } from '../../../shared/sources/mail-source';

const PASSWORD = 'hunter2-very-secret';

/** A source whose every operation fails the way a server echoing the LOGIN line makes it fail. */
function failingSource(make: () => unknown): MailSource {
  const fail = async (): Promise<never> => {
    throw make();
  };
  return { listNew: fail, fetchRaw: fail, move: fail, ensureFolders: fail, close: fail };
}

test('every error leaving the source has the channel\'s secrets redacted, keeps its class, code and Retry-After, and keeps only a redacted message of the raw cause', async () => {
  const raw = new Error(`A1 BAD LOGIN "desk" "${PASSWORD}"`);
  const source = redactingSource(
    failingSource(() => new TransientError('IMAP_ERROR', `IMAP x:1: list: server said ${PASSWORD}`, { cause: raw, retryAfterMs: 5000 })),
    async () => [PASSWORD],
  );
  for (const op of [() => source.listNew('INBOX', undefined), () => source.fetchRaw({ protocol: 'imap', folder: 'INBOX', uidValidity: '1', uid: 1 }), () => source.ensureFolders(['X']), () => source.close()]) {
    await assert.rejects(op(), (err: unknown) => {
      assert.ok(err instanceof TransientError);
      assert.equal(err.code, 'IMAP_ERROR');
      assert.equal(err.retryAfterMs, 5000);
      assert.ok(err.cause instanceof Error && !(err.cause instanceof TransientError));
      assert.equal(err.cause.message, 'A1 BAD LOGIN [redacted]');
      assert.equal(err.message, 'IMAP x:1: list: server said [redacted]');
      assert.ok(!String(err.stack).includes(PASSWORD));
      return true;
    });
  }
});

test('permanent errors stay permanent and foreign errors keep their name and code, all redacted', async () => {
  const permanent = redactingSource(failingSource(() => new PermanentError('IMAP_AUTH', `login rejected: LOGIN desk ${PASSWORD}`)), async () => [PASSWORD]);
  await assert.rejects(permanent.listNew('INBOX', undefined), (err: unknown) => err instanceof PermanentError && err.code === 'IMAP_AUTH' && err.message === 'login rejected: LOGIN [redacted]');
  const foreign = redactingSource(failingSource(() => Object.assign(new TypeError(`bad ${PASSWORD}`), { code: 'E_X' })), async () => [PASSWORD]);
  await assert.rejects(foreign.listNew('INBOX', undefined), (err: unknown) => err instanceof Error && err.name === 'TypeError' && (err as { code?: string }).code === 'E_X' && err.message === 'bad [redacted]');
});
