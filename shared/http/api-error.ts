import { z } from 'zod';

/**
 * The error body every admin route answers with: `{ error, message }`, plus `issues`
 * (one per wrong field, path joined with dots) for validation errors.
 */
export const ApiIssue = z.object({
  path: z.string().describe('the wrong field, path joined with dots, e.g. connection.port ("" = the whole body)'),
  message: z.string(),
});
export type ApiIssue = z.infer<typeof ApiIssue>;

export const ApiErrorBody = z.object({
  error: z.string().describe('machine-readable kind: validation, not_found, precondition_failed, conflict, unauthorized, forbidden, …'),
  message: z.string().describe('for people; never contains a secret'),
  issues: z.array(ApiIssue).optional().describe('validation errors: one per wrong field'),
});
export type ApiErrorBody = z.infer<typeof ApiErrorBody>;

/** An error that already knows its HTTP answer. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly error: string,
    message: string,
    readonly issues?: ApiIssue[],
    readonly headers?: Record<string, string>,
  ) {
    super(message);
    this.name = 'HttpError';
  }

  body(): ApiErrorBody {
    return { error: this.error, message: this.message, ...(this.issues ? { issues: this.issues } : {}) };
  }
}

/** 400 with one issue per wrong field. */
export class ValidationError extends HttpError {
  constructor(issues: ApiIssue[], message?: string) {
    super(400, 'validation', message ?? describeIssues(issues), issues);
    this.name = 'ValidationError';
  }
}

function describeIssues(issues: ApiIssue[]): string {
  const first = issues[0];
  if (!first) return 'the request is invalid';
  const where = first.path ? `${first.path}: ` : '';
  return issues.length === 1 ? `${where}${first.message}` : `${issues.length} fields are invalid, first ${where}${first.message}`;
}
