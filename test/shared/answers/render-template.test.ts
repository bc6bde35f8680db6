import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  escapeHtml,
  headerSafe,
  MAX_PLACEHOLDERS,
  MAX_VALUE_LENGTH,
  renderTemplate,
  scanPlaceholders,
  validateTemplate,
} from '../../../shared/answers/render-template';

const values = { ticketNumber: 'T-000123', ticketTitle: 'Printer <broken> & "jammed"', requesterName: 'Jane' };

test('placeholders are replaced, with or without blanks inside the braces', () => {
  const r = renderTemplate('Hi {{requesterName}}, ticket {{ ticketNumber }}.', values, 'text');
  assert.equal(r.text, 'Hi Jane, ticket T-000123.');
  assert.deepEqual(r.unknown, []);
});

test('in an HTML template values are escaped, the template’s own markup is not', () => {
  const r = renderTemplate('<p title="{{ticketTitle}}">{{ticketTitle}}</p>', values, 'html');
  assert.equal(r.text, '<p title="Printer &lt;broken&gt; &amp; &quot;jammed&quot;">Printer &lt;broken&gt; &amp; &quot;jammed&quot;</p>');
});

test('a value cannot inject markup or a script into the HTML body', () => {
  const r = renderTemplate('<a href="{{ticketTitle}}">x</a>', { ticketTitle: '"><script>alert(1)</script><a href="' }, 'html');
  assert.ok(!r.text.includes('<script'));
  assert.ok(!r.text.includes('"><'));
});

test('plain text keeps values as they are', () => {
  assert.equal(renderTemplate('{{ticketTitle}}', values, 'text').text, 'Printer <broken> & "jammed"');
});

test('in a subject, line breaks in values become blanks (no header injection)', () => {
  const r = renderTemplate('Re: {{ticketTitle}}', { ticketTitle: 'Hello\r\nBcc: victim@example.com\nX: y\u2028z' }, 'subject');
  assert.ok(!/[\r\n\u2028]/.test(r.text));
  assert.equal(r.text, 'Re: Hello  Bcc: victim@example.com X: y z');
});

test('a stored subject template with a line break still renders as one line', () => {
  assert.equal(renderTemplate('a\r\nb', {}, 'subject').text, 'a  b');
});

test('unknown placeholders stay visible and are reported', () => {
  const r = renderTemplate('Ticket {{tikcetNumber}} for {{requesterName}} {{tikcetNumber}}', values, 'text');
  assert.equal(r.text, 'Ticket {{tikcetNumber}} for Jane {{tikcetNumber}}');
  assert.deepEqual(r.unknown, ['tikcetNumber']);
});

test('braces that are not placeholders are text: {{, {{}}, {{a b}}, {{{name}}}, a name past 40 characters', () => {
  assert.equal(renderTemplate('{{ {{}} {{a b}} {{{requesterName}}}', values, 'text').text, '{{ {{}} {{a b}} {Jane}');
  const long = `{{${'a'.repeat(41)}}}`;
  assert.equal(renderTemplate(long, { ['a'.repeat(41)]: 'x' }, 'text').text, long);
});

test('inherited object keys are not values: {{constructor}} stays as written', () => {
  const r = renderTemplate('{{constructor}} {{toString}}', {}, 'text');
  assert.equal(r.text, '{{constructor}} {{toString}}');
  assert.deepEqual(r.unknown, ['constructor', 'toString']);
});

test('values are not rendered again: a value holding {{ticketNumber}} stays as written', () => {
  assert.equal(renderTemplate('{{ticketTitle}}', { ticketTitle: '{{ticketNumber}}', ticketNumber: 'X' }, 'text').text, '{{ticketNumber}}');
});

test('a long value is cut to MAX_VALUE_LENGTH, and placeholders past MAX_PLACEHOLDERS stay as written', () => {
  const r = renderTemplate('{{ticketTitle}}', { ticketTitle: 'x'.repeat(100_000) }, 'text');
  assert.equal(r.text.length, MAX_VALUE_LENGTH);
  const many = renderTemplate('{{requesterName}}'.repeat(MAX_PLACEHOLDERS + 5), values, 'text');
  assert.equal(many.text, 'Jane'.repeat(MAX_PLACEHOLDERS) + '{{requesterName}}'.repeat(5));
});

test('the scan is linear: 200 KB of "{{" and "{{{{x" runs costs at most 4 characters looked at per character', () => {
  for (const hostile of ['{{'.repeat(100_000), '{{{{ a'.repeat(35_000), `{{${'a'.repeat(200_000)}`, '{{ '.repeat(70_000)]) {
    const { steps } = scanPlaceholders(hostile);
    assert.ok(steps <= hostile.length * 4, `${steps} steps for ${hostile.length} characters`);
  }
  // and ordinary text costs one step per character
  const plain = 'x'.repeat(50_000);
  assert.equal(scanPlaceholders(plain).steps, plain.length);
});

test('escapeHtml escapes the five characters and nothing else', () => {
  assert.equal(escapeHtml(`<a href='x'>"&"</a> ü €`), '&lt;a href=&#39;x&#39;&gt;&quot;&amp;&quot;&lt;/a&gt; ü €');
});

test('headerSafe turns every control character and line separator into a blank', () => {
  assert.equal(headerSafe('a\tb\u0000c\u007fd\u0085e\u2029f'), 'a b c d e f');
});

test('validateTemplate: a fine template has no issues', () => {
  assert.deepEqual(validateTemplate('Hello {{requesterName}}', ['requesterName'], 'text'), []);
});

test('validateTemplate reports unknown placeholders with the known ones, a line break in a subject, emptiness, length and placeholder count', () => {
  const unknown = validateTemplate('Hi {{requesterNmae}} {{x}}', ['requesterName'], 'text');
  assert.equal(unknown.length, 1);
  assert.match(unknown[0]!.message, /unknown placeholders \{\{requesterNmae\}\}, \{\{x\}\}; known: \{\{requesterName\}\}/);
  assert.match(validateTemplate('a\nb', [], 'subject')[0]!.message, /one line/);
  assert.match(validateTemplate('  ', [], 'text')[0]!.message, /empty/);
  assert.match(validateTemplate('x'.repeat(501), [], 'subject')[0]!.message, /at most 500/);
  assert.match(validateTemplate('{{a}}'.repeat(MAX_PLACEHOLDERS + 1), ['a'], 'text')[0]!.message, /at most 100/);
});
