import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileAdminRegex } from '../../../shared/config/admin-regex';
import { ChannelInput } from '../../../shared/config/channel';
import { issuesFromZod } from '../../../shared/http/validation';

/** A valid channel input whose only field mapping is a regex with these pattern and flags. */
function inputWith(pattern: string, flags?: string) {
  return {
    name: 'Desk',
    connection: { protocol: 'imap', host: 'imap.example.com', username: 'desk@example.com', auth: { type: 'password', password: 'x' } },
    ticketMapping: { templateId: 'it-support', fields: [{ field: 'assetTag', source: { kind: 'regex', on: 'subject', pattern, ...(flags === undefined ? {} : { flags }) } }] },
  };
}

/** The API's 400 issues (path + message) for a channel input, [] when it is valid. */
function apiIssues(input: unknown) {
  const r = ChannelInput.safeParse(input);
  return r.success ? [] : issuesFromZod(r.error.issues);
}

test('the named-group syntax admins write, (?<name>…), works on RE2', () => {
  const c = compileAdminRegex('asset[:\\s#]*(?<tag>[A-Z]{2}-\\d+)', 'i');
  assert.ok(c.ok);
  assert.equal((c.regex.exec('see Asset: nb-4711 please') as RegExpExecArray | null)?.groups?.tag, 'nb-4711');
  const unicode = compileAdminRegex('caf\\u00e9 (\\p{L}+)', 'iu');
  assert.ok(unicode.ok, '\\uXXXX and \\p{L} are translated for RE2');
  assert.equal(unicode.regex.exec('CAFÉ Größe')?.[1], 'Größe');
});

test('a pattern that backtracks catastrophically in JavaScript matches in linear time on RE2', { timeout: 60_000 }, () => {
  // V8 needs ~2^n steps for (a+)+$ on n a's and a "!"; 27 took 3 s. 100,000 never ends there.
  const c = compileAdminRegex('(a+)+$', 'i');
  assert.ok(c.ok);
  assert.equal(c.regex.exec(`${'a'.repeat(100_000)}!`), null);
});

test('lookarounds and backreferences are refused with a 400 that names the field and says why', () => {
  for (const [pattern, why] of [
    ['foo(?=bar)', /lookahead/],
    ['foo(?!bar)', /lookahead/],
    ['(?<=#)\\d+', /lookbehind/],
    ['(?<!#)\\d+', /lookbehind/],
    ['(a)\\1', /backreferences/],
    ['(?<x>a)\\k<x>', /backreferences/],
  ] as const) {
    const issues = apiIssues(inputWith(pattern));
    assert.equal(issues.length, 1, `${pattern}: ${JSON.stringify(issues)}`);
    assert.equal(issues[0]!.path, 'ticketMapping.fields.0.source.pattern');
    assert.match(issues[0]!.message, why);
    assert.match(issues[0]!.message, /RE2/);
  }
});

test('pattern and flags are validated together: \\p{Foo} with iu and a doubled flag are 400s, \\- with u runs', () => {
  const unknownClass = apiIssues(inputWith('\\p{Foo}', 'iu'));
  assert.deepEqual(unknownClass.map((i) => i.path), ['ticketMapping.fields.0.source.pattern']);
  assert.match(unknownClass[0]!.message, /\\p\{Foo\}/);

  const doubled = apiIssues(inputWith('x', 'ii'));
  assert.deepEqual(doubled.map((i) => i.path), ['ticketMapping.fields.0.source.flags']);
  assert.match(doubled[0]!.message, /"i" is given twice/);
  assert.deepEqual(apiIssues(inputWith('x', 'g')).map((i) => i.path), ['ticketMapping.fields.0.source.flags']);

  // JavaScript refuses \- under u; RE2 reads it as "-", so the mapping is valid and runs.
  assert.deepEqual(apiIssues(inputWith('PO\\-(\\d+)', 'u')), []);
  const dash = compileAdminRegex('PO\\-(\\d+)', 'u');
  assert.equal(dash.ok && dash.regex.exec('order PO-42')?.[1], '42');
});

test('flags mean what they mean in JavaScript: i, m (^ and $ at line ends), s (. matches a line end)', () => {
  const run = (pattern: string, flags: string, input: string) => {
    const c = compileAdminRegex(pattern, flags);
    assert.ok(c.ok, pattern);
    return c.regex.exec(input)?.[0] ?? null;
  };
  assert.equal(run('^b$', '', 'a\nb\nc'), null);
  assert.equal(run('^b$', 'm', 'a\nb\nc'), 'b');
  assert.equal(run('a.b', '', 'a\nb'), null);
  assert.equal(run('a.b', 's', 'a\nb'), 'a\nb');
  assert.equal(run('ABC', 'i', 'xabcx'), 'abc');
});

test('compiled patterns are remembered by pattern and flags together', () => {
  assert.equal(compileAdminRegex('x/y', 'i').ok, true);
  assert.deepEqual(compileAdminRegex('y', 'i/x'), { ok: false, field: 'flags', message: 'unknown flag "/": flags may only be i, m, s, u' });
  assert.equal(compileAdminRegex('x/y', 'i'), compileAdminRegex('x/y', 'i'), 'the same compiled pattern is reused');
});

test('a capture group the pattern does not have is a 400 on the group, not a mapping that silently maps nothing', () => {
  const withGroup = (pattern: string, group: number | string) => {
    const input = inputWith(pattern);
    (input.ticketMapping.fields[0]!.source as Record<string, unknown>).group = group;
    return apiIssues(input);
  };
  assert.deepEqual(withGroup('asset-\\d+', 0), []);
  assert.deepEqual(withGroup('asset-(\\d+)', 1), []);
  assert.deepEqual(withGroup('asset-(?<tag>\\d+)', 'tag'), []);
  const none = withGroup('asset-\\d+', 1);
  assert.equal(none[0]?.path, 'ticketMapping.fields.0.source.group');
  assert.match(none[0]!.message, /no capture group; use group 0/);
  assert.match(withGroup('asset-(\\d+)', 2)[0]!.message, /only 1 capture group/);
  assert.match(withGroup('asset-(?<tag>\\d+)', 'tg')[0]!.message, /no group named "tg" \(it has: tag\)/);
});
