import { z } from 'zod';
import { ValidationError } from './api-error';

/**
 * Route parameters are checked at the edge, once for every route, before an operation
 * sees them: an id is a single path segment that the stores can use as a document id
 * (Cosmos forbids `/ \ ? #` in ids, and a `/` turns a point read into another resource's
 * URL). Anything else is a 400 naming the parameter (`params.<name>`); a well-formed id
 * that names nothing stays the operation's 404.
 *
 * Ids this app makes are UUIDs (channels), lower-case slugs (templates), hex ledger keys
 * and `T-…` ticket ids, all far inside this rule.
 */
const MAX_ID_LENGTH = 255;

export const RouteId = z
  .string()
  .min(1, 'must not be empty')
  .max(MAX_ID_LENGTH, `must be at most ${MAX_ID_LENGTH} characters`)
  // printable ASCII without space and the characters with a meaning in paths, queries and fragments
  .regex(/^[\x21\x22\x24\x26-\x2e\x30-\x3e\x40-\x5b\x5d-\x7e]+$/, 'must be printable ASCII without spaces or / \\ ? # %');

/** Parameters with a narrower rule than an id. */
const SPECIAL: Record<string, z.ZodType<string>> = {
  index: z.string().regex(/^\d{1,6}$/, 'must be a whole number from 0'),
};

/** Throws a 400 naming every malformed route parameter. */
export function assertRouteParams(params: Readonly<Record<string, string>>): void {
  const issues = Object.entries(params).flatMap(([name, value]) => {
    const r = (SPECIAL[name] ?? RouteId).safeParse(value);
    return r.success ? [] : [{ path: `params.${name}`, message: r.error.issues[0]?.message ?? 'is not valid' }];
  });
  if (issues.length) throw new ValidationError(issues, `malformed route parameter: ${issues.map((i) => `${i.path} ${i.message}`).join('; ')}`);
}
