import { MailChannelError, PermanentError, TransientError } from '../errors';
import { redactCredentials } from '../http/redact';
import type { MailSource } from './mail-source';

/**
 * The seam where a mailbox's errors leave for the pipeline, which stores their text (sync
 * state, ledger), returns it (`/stats`) and logs it. A server that echoes a LOGIN line would
 * otherwise put the password there. `secrets()` gives the channel's secret values (asked only
 * when an error passes); every error the source throws is rebuilt with that text redacted and
 * with its `cause` reduced to a redacted message (the library's raw error carries the same
 * text; the host log shows the cause, the API and the stores only the message).
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
    ...(source.streamRaw ? { streamRaw: guard(source.streamRaw.bind(source)) as MailSource['streamRaw'] } : {}),
    move: guard(source.move.bind(source)),
    ensureFolders: guard(source.ensureFolders.bind(source)),
    close: guard(source.close.bind(source)),
  };
}

/** The same failure (class, code, retryability, Retry-After) with its text redacted and its cause a redacted message. */
export function redactError(err: unknown, secrets: readonly string[]): Error {
  const cause = redactedCause(err, secrets);
  const opts = cause ? { cause } : {};
  if (err instanceof TransientError) {
    return new TransientError(err.code, redactCredentials(err.message, secrets), { ...opts, ...(err.retryAfterMs !== undefined ? { retryAfterMs: err.retryAfterMs } : {}) });
  }
  if (err instanceof PermanentError) return new PermanentError(err.code, redactCredentials(err.message, secrets), opts);
  if (err instanceof MailChannelError) {
    const message = redactCredentials(err.message, secrets);
    return err.retryable ? new TransientError(err.code, message, opts) : new PermanentError(err.code, message, opts);
  }
  const e = err as { name?: unknown; message?: unknown; code?: unknown } | undefined;
  const copy = new Error(redactCredentials(String(e?.message ?? err), secrets));
  if (typeof e?.name === 'string') copy.name = e.name;
  return typeof e?.code === 'string' ? Object.assign(copy, { code: e.code }) : copy;
}

/** The first cause's message (and code), redacted, as a plain Error: enough for the log, nothing more. */
function redactedCause(err: unknown, secrets: readonly string[]): Error | undefined {
  const cause = (err as { cause?: unknown } | null)?.cause;
  if (cause === undefined || cause === null) return undefined;
  const c = cause as { message?: unknown; code?: unknown; cause?: unknown };
  const inner = (c.cause as { message?: unknown; code?: unknown } | undefined) ?? undefined;
  const text = [c.message, typeof c.code === 'string' ? `(${c.code})` : '', inner?.message ? `— ${String(inner.message)}` : '', typeof inner?.code === 'string' ? `(${inner.code})` : '']
    .filter(Boolean)
    .join(' ');
  return new Error(redactCredentials(text || String(cause), secrets));
}
