import type { z } from 'zod';
import { ValidationError, type ApiIssue } from './api-error';
import { redactText } from './redact';

/**
 * zod issues as API issues: `{ path: 'connection.port', message }` for every wrong field.
 * Only path and message leave the process (never the issue's `input`), and any secret value
 * from the request body is scrubbed from the message, should a message ever quote input.
 */
export function issuesFromZod(issues: readonly z.core.$ZodIssue[], secrets: readonly string[] = []): ApiIssue[] {
  const out: ApiIssue[] = [];
  for (const issue of issues) {
    const path = issue.path.map(String).join('.');
    // A union with no matching branch: the nested branches' issues say more than "Invalid input".
    if (issue.code === 'invalid_union' && issue.errors.length > 0 && !('discriminator' in issue)) {
      const nested = issue.errors
        .flat()
        .map((i) => ({ ...i, path: [...issue.path, ...i.path] }) as z.core.$ZodIssue);
      out.push(...issuesFromZod(nested, secrets));
      continue;
    }
    out.push({ path: redactText(path, secrets), message: redactText(issue.message, secrets) });
  }
  return dedupe(out);
}

/** Parses `input` with `schema`, or throws a 400 `ValidationError` naming every wrong field. */
export function parseOrThrow<S extends z.ZodType>(schema: S, input: unknown, secrets: readonly string[] = []): z.infer<S> {
  const r = schema.safeParse(input);
  if (r.success) return r.data;
  throw new ValidationError(issuesFromZod(r.error.issues, secrets));
}

function dedupe(issues: ApiIssue[]): ApiIssue[] {
  const seen = new Set<string>();
  return issues.filter((i) => {
    const k = `${i.path}\u0000${i.message}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
