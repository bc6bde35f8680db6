/**
 * How deeply a JSON text nests, found by one pass over its characters with a counter (no
 * recursion, no parse): deep nesting is checked before `JSON.parse` and before any
 * recursive walk (schema validation, merge patch, redaction) could exhaust the stack.
 * Brackets inside strings do not count; the text need not be valid JSON (the parser
 * decides that afterwards). Stops as soon as `limit` is exceeded.
 */
export const MAX_JSON_DEPTH = 64;

/** True when arrays and objects in `text` nest deeper than `limit`. */
export function jsonDeeperThan(text: string, limit = MAX_JSON_DEPTH): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c /* \ */) i++;
      else if (c === 0x22 /* " */) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      if (++depth > limit) return true;
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      depth--;
    }
  }
  return false;
}
