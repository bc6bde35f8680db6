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

/**
 * Protocol text that carries credentials, whatever their value: an IMAP `LOGIN user pass` or
 * `AUTHENTICATE …` line, an SMTP `AUTH …` line, an HTTP `Bearer` token, and base64 SASL
 * XOAUTH2 strings (they all begin with base64("user=") = "dXNlcj"). Mail servers echo such
 * lines in their error responses. Each pattern is a single pass with no nested quantifier
 * (linear time on any input).
 */
const CREDENTIAL_PATTERNS: readonly [RegExp, string][] = [
  [/\b(LOGIN|AUTHENTICATE|AUTH)[ \t][^\r\n]*/g, `$1 ${REDACTED}`],
  [/\b(Bearer)[ \t]+[^\s"',;]+/gi, `$1 ${REDACTED}`],
  [/dXNlcj[A-Za-z0-9+/=]*/g, REDACTED],
];

/** How a secret may appear in protocol text besides as it is: quoted-string escaped (IMAP), JSON escaped. */
export function spellings(secret: string): string[] {
  return [secret, secret.replace(/["\\]/g, '\\$&'), JSON.stringify(secret).slice(1, -1)];
}

/**
 * Error text from a mail server or identity provider, safe to store, return and log: every
 * known secret value (in each spelling) and every credential-carrying protocol argument
 * replaced by `[redacted]`.
 */
export function redactCredentials(text: string, secrets: readonly string[] = []): string {
  let out = redactText(text, [...new Set(secrets.filter((s) => s.length > 0).flatMap(spellings))]);
  for (const [pattern, replacement] of CREDENTIAL_PATTERNS) out = out.replace(pattern, replacement);
  return out;
}
