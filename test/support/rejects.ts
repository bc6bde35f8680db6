import assert from 'node:assert/strict';
import type { MailChannelError, PermanentError, TransientError } from '../../shared/errors';

/** Asserts that `p` rejects with an error of class `cls` and machine-readable `code`; returns it. */
export async function rejects(p: Promise<unknown>, cls: typeof PermanentError | typeof TransientError, code: string): Promise<MailChannelError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof cls, `expected ${cls.name} ${code}, got ${String(err)}`);
    assert.equal((err as MailChannelError).code, code, (err as Error).message);
    return err as MailChannelError;
  }
  assert.fail(`expected ${cls.name} ${code}, but it resolved`);
}
