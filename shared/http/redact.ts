/**
 * Keeps secrets out of anything that leaves the process as text: API error messages and
 * log lines. Secrets are recognised by where they sit in a request body (any key that
 * names a password, secret or token), so a secret sent in the wrong place is still caught.
 */
export const SECRET_KEY_PATTERN = /pass(word)?|secret|token|credential|api[-_]?key/i;

export const REDACTED = '[redacted]';

/** Every string value under a secret-looking key, anywhere in `value` (deduplicated, longest first). */
export function collectSecretValues(value: unknown): string[] {
  const found = new Set<string>();
  const walk = (v: unknown, underSecretKey: boolean, depth: number): void => {
    if (depth > 32) return;
    if (typeof v === 'string') {
      if (underSecretKey && v.length > 0) found.add(v);
    } else if (Array.isArray(v)) {
      for (const item of v) walk(item, underSecretKey, depth + 1);
    } else if (v !== null && typeof v === 'object') {
      for (const [k, child] of Object.entries(v)) walk(child, underSecretKey || SECRET_KEY_PATTERN.test(k), depth + 1);
    }
  };
  walk(value, false, 0);
  return [...found].sort((a, b) => b.length - a.length);
}

/** `text` with every occurrence of each secret replaced by `[redacted]`. */
export function redactText(text: string, secrets: readonly string[]): string {
  let out = text;
  // Longest first: redacting "abc" inside "abcdef" first would leave "def" readable.
  const ordered = [...secrets].filter((s) => s.length > 0).sort((a, b) => b.length - a.length);
  for (const s of ordered) out = out.split(s).join(REDACTED);
  return out;
}

/** A deep copy of `value` with every value under a secret-looking key replaced by `[redacted]`. */
export function redactObject<T>(value: T): T {
  const walk = (v: unknown, depth: number): unknown => {
    if (depth > 32) return REDACTED;
    if (Array.isArray(v)) return v.map((x) => walk(x, depth + 1));
    if (v !== null && typeof v === 'object') {
      return Object.fromEntries(
        Object.entries(v).map(([k, child]) => [k, SECRET_KEY_PATTERN.test(k) && child !== null && typeof child !== 'object' ? REDACTED : walk(child, depth + 1)]),
      );
    }
    return v;
  };
  return walk(value, 0) as T;
}
