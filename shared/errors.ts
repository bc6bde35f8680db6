/**
 * Typed errors shared by every seam (sources, senders, stores, secret stores).
 *
 * The one question a caller asks of a failure is "can a retry help?". A
 * `TransientError` (network, 429/503, timeouts) is thrown out of a queue-triggered
 * function so the queue redelivers; a `PermanentError` (bad input, policy) is recorded
 * with its reason and never retried.
 */
export class MailChannelError extends Error {
  /** Machine-readable code, e.g. `GRAPH_THROTTLED`, `MIME_UNPARSEABLE`. */
  readonly code: string;
  readonly retryable: boolean;
  constructor(code: string, message: string, retryable: boolean, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
    this.retryable = retryable;
  }
}

/** A failure a retry may cure: network, throttling, timeouts, 5xx. */
export class TransientError extends MailChannelError {
  /** When the peer said how long to wait (e.g. Graph `Retry-After`), in ms. */
  readonly retryAfterMs?: number;
  constructor(code: string, message: string, options?: { cause?: unknown; retryAfterMs?: number }) {
    super(code, message, true, options);
    this.retryAfterMs = options?.retryAfterMs;
  }
}

/** A failure no retry can cure: malformed input, a rejected sender, a policy. */
export class PermanentError extends MailChannelError {
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(code, message, false, options);
  }
}

export function isTransient(err: unknown): boolean {
  return err instanceof MailChannelError ? err.retryable : true; // unknown errors: let the queue retry
}
