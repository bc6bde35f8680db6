import { PermanentError } from '../errors';

/**
 * Outcomes of repository calls that callers decide on (and the HTTP layer maps to
 * 404 / 412 / 409). Other Cosmos failures (429, 503, timeouts) are left as they are:
 * unknown errors count as transient (see shared/errors.ts).
 */
export class NotFoundError extends PermanentError {
  constructor(
    readonly kind: string,
    readonly id: string,
  ) {
    super('NOT_FOUND', `${kind} "${id}" does not exist`);
  }
}

/** The document changed since the caller read it (stale ETag). */
export class PreconditionFailedError extends PermanentError {
  constructor(kind: string, id: string) {
    super('ETAG_MISMATCH', `${kind} "${id}" was changed by someone else since it was read; read it again and retry`);
  }
}

/** The change contradicts the current state (a rule, not a race). */
export class ConflictError extends PermanentError {
  constructor(message: string) {
    super('CONFLICT', message);
  }
}

/** The HTTP status of a Cosmos SDK error, when it has one. */
export function cosmosStatus(err: unknown): number | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'number' ? code : undefined;
}
