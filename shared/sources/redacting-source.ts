import { MailChannelError, PermanentError, TransientError } from '../errors';
import { redactCredentials } from '../http/redact';
import type { MailSource } from './mail-source';

/**
 * The seam where a mailbox's errors leave for the pipeline, which stores their text (sync
 * state, ledger), returns it (`/stats`) and logs it. A server that echoes a LOGIN line would
 * otherwise put the password there. `secrets()` gives the channel's secret values (asked only
 * when an error passes); every error the source throws is rebuilt with that text redacted and
 * without its `cause` (the library's raw error, which carries the same text).
 */
export function redactingSource(source: MailSource, secrets: () => Promise<readonly string[]>): MailSource {
  const guard =
    <A extends unknown[], R>(fn: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      try {
        return await fn(...args);
      } catch (err) {
        throw redactError(err, await secrets().catch(() => []));
      }
    };
  return {
    listNew: guard(source.listNew.bind(source)),
    fetchRaw: guard(source.fetchRaw.bind(source)),
    move: guard(source.move.bind(source)),
    ensureFolders: guard(source.ensureFolders.bind(source)),
    close: guard(source.close.bind(source)),
  };
}

/** The same failure (class, code, retryability, Retry-After) with its text redacted and no cause. */
export function redactError(err: unknown, secrets: readonly string[]): Error {
  if (err instanceof TransientError) {
    return new TransientError(err.code, redactCredentials(err.message, secrets), err.retryAfterMs !== undefined ? { retryAfterMs: err.retryAfterMs } : undefined);
  }
  if (err instanceof PermanentError) return new PermanentError(err.code, redactCredentials(err.message, secrets));
  if (err instanceof MailChannelError) {
    return err.retryable ? new TransientError(err.code, redactCredentials(err.message, secrets)) : new PermanentError(err.code, redactCredentials(err.message, secrets));
  }
  const e = err as { name?: unknown; message?: unknown; code?: unknown } | undefined;
  const copy = new Error(redactCredentials(String(e?.message ?? err), secrets));
  if (typeof e?.name === 'string') copy.name = e.name;
  return typeof e?.code === 'string' ? Object.assign(copy, { code: e.code }) : copy;
}
