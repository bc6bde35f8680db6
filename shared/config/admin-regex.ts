import { RE2JS } from 're2js';

/**
 * Regular expressions an admin writes (the `regex` field mappings) run on RE2 (re2js,
 * pure JavaScript): matching is linear in the input whatever the pattern, so no pattern
 * can make a mail stall a worker — `(a+)+$` included. V8's own engine backtracks.
 *
 * Admins write JavaScript syntax, and most of it is RE2 syntax too: named groups
 * `(?<name>…)`, classes, `\d \w \s \b`, `\p{L}`, `\uXXXX` and `\u{…}` (translated by
 * re2js). What RE2 refuses, because it cannot be matched in linear time: lookahead
 * `(?=…)` `(?!…)`, lookbehind `(?<=…)` `(?<!…)` and backreferences `\1` `\k<name>`.
 * Those are refused with a message saying so; everything else RE2 cannot parse
 * (`\p{Foo}`, `[`) with RE2's own message.
 *
 * Flags: `i` (case-insensitive), `m` (`^`/`$` at line ends), `s` (`.` matches a line end),
 * each at most once; `u` is accepted and changes nothing (RE2 always matches code points).
 */

export type CompiledAdminRegex = { ok: true; regex: RE2JS } | { ok: false; field: 'pattern' | 'flags'; message: string };

const flagBits: Record<string, number> = { i: RE2JS.CASE_INSENSITIVE, m: RE2JS.MULTILINE, s: RE2JS.DOTALL, u: 0 };

// Patterns are compiled once per process: the pipeline maps every mail with the same few.
const cache = new Map<string, CompiledAdminRegex>();
const CACHE_LIMIT = 500;

export function compileAdminRegex(pattern: string, flags: string): CompiledAdminRegex {
  const key = JSON.stringify([flags, pattern]);
  const known = cache.get(key);
  if (known) return known;
  const compiled = compile(pattern, flags);
  if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value!);
  cache.set(key, compiled);
  return compiled;
}

function compile(pattern: string, flags: string): CompiledAdminRegex {
  let bits = 0;
  for (const [i, f] of [...flags].entries()) {
    if (!(f in flagBits)) return { ok: false, field: 'flags', message: `unknown flag "${f}": flags may only be i, m, s, u` };
    if (flags.indexOf(f) !== i) return { ok: false, field: 'flags', message: `flag "${f}" is given twice` };
    bits |= flagBits[f]!;
  }
  // translateRegExp reads `\k` as a plain "k" (as JavaScript does without named groups): refuse it first.
  const backreference = backreferenceIn(pattern);
  if (backreference) return { ok: false, field: 'pattern', message: `${NO_LINEAR} backreferences (\\1, \\k<name>): \`${backreference}\`` };
  try {
    return { ok: true, regex: RE2JS.compile(RE2JS.translateRegExp(pattern), bits) };
  } catch (err) {
    return { ok: false, field: 'pattern', message: explain(err instanceof Error ? err.message : String(err)) };
  }
}

const NO_LINEAR = 'patterns run on RE2, which matches in linear time and has no';

/** The first backreference escape (`\1`…`\9`, `\k`) of a pattern, skipping escaped backslashes. */
function backreferenceIn(pattern: string): string | undefined {
  for (let i = 0; i < pattern.length - 1; i++) {
    if (pattern[i] !== '\\') continue;
    const next = pattern[i + 1]!;
    if ((next >= '1' && next <= '9') || next === 'k') return pattern.slice(i, i + 2);
    i++; // the escaped character is not a backslash of its own
  }
  return undefined;
}

/** RE2's parse errors, with the JavaScript features it leaves out named as such. */
function explain(re2Message: string): string {
  const detail = re2Message.replace(/^error parsing regexp: /, '');
  if (detail.includes('`(?=') || detail.includes('`(?!')) return `${NO_LINEAR} lookahead ((?=…), (?!…)): ${detail}`;
  if (detail.includes('`(?<=') || detail.includes('`(?<!')) return `${NO_LINEAR} lookbehind ((?<=…), (?<!…)): ${detail}`;
  return `not a valid regular expression for RE2: ${detail}`;
}

/**
 * Why `group` names no capture group of a compiled pattern (undefined when it does): a
 * mapping whose group can never match would silently map nothing for every mail.
 */
export function missingGroup(regex: RE2JS, group: number | string): string | undefined {
  if (typeof group === 'number') {
    const count = regex.groupCount();
    return group <= count ? undefined : `the pattern has ${count === 0 ? 'no capture group' : `only ${count} capture group${count === 1 ? '' : 's'}`}; use group 0 for the whole match, or a group of the pattern`;
  }
  const named = Object.keys(regex.namedGroups());
  return named.includes(group) ? undefined : `the pattern has no group named "${group}"${named.length ? ` (it has: ${named.join(', ')})` : ''}`;
}
