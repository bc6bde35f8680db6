import { test } from 'node:test';
import assert from 'node:assert/strict';
import { normalizeText } from '../../../shared/mail/body-text';
import { parseMail } from '../../../shared/mail/parse';

test('body text gets LF line ends and loses the blanks at line ends, and only those', () => {
  assert.equal(normalizeText('  Hello \t\r\nworld  \rlast line\t \n\n'), 'Hello\nworld\nlast line');
  assert.equal(normalizeText('a    b\t\tc'), 'a    b\t\tc', 'blanks inside a line stay');
});

// Finding 1: /[ \t]+$/gm took seconds on 40,000 blanks not followed by a line end (quadratic:
// ~2 s for 40,000, so ~20 min for 1,000,000). Trimming by index is linear; this input would
// run into the test timeout with the old code.
test('a 1 MB run of blanks inside a line is normalized in linear work', { timeout: 30_000 }, () => {
  const text = `start${' \t'.repeat(500_000)}end\nnext line   `;
  assert.equal(normalizeText(text), `start${' \t'.repeat(500_000)}end\nnext line`);
});

test('a mail whose body is long runs of whitespace parses, its text intact', { timeout: 30_000 }, async () => {
  const body = Array.from({ length: 4 }, (_, i) => `line ${i}${' '.repeat(40_000)}x${'\t'.repeat(40_000)}`).join('\r\n');
  const raw = Buffer.from(`From: a@example.org\r\nTo: desk@example.com\r\nSubject: blanks\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: base64\r\n\r\n${Buffer.from(body).toString('base64').replace(/.{76}/g, '$&\r\n')}\r\n`);
  const mail = await parseMail(raw);
  assert.equal(mail.text, Array.from({ length: 4 }, (_, i) => `line ${i}${' '.repeat(40_000)}x`).join('\n'));
});
