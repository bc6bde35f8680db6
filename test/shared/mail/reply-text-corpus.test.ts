import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
// @ts-expect-error -- planer ships no type declarations
import planer from 'planer';
import { z } from 'zod';
import { parseMail } from '../../../shared/mail/parse';

/**
 * Reply trimming measured on labelled public corpora (`test/corpus/replies-<source>/`,
 * sources and licences in each folder's README): each case is `<name>.txt` (a plain-text
 * body) or `<name>.eml` (a raw mail, parsed as the pipeline parses it) beside
 * `<name>.expected.txt`, the new text as we label it. A case counts when the text matches
 * exactly (line ends, trailing blanks and the blank lines around the whole ignored).
 *
 * Each corpus asserts the floor it reached, so a regression fails. `email-reply-parser`
 * and `planer` run on the very same text and are printed beside ours, not asserted.
 */

const corpusRoot = path.resolve(__dirname, '../../corpus');
const sharedZammadDir = path.resolve(__dirname, '../../../../shared/corpus/zammad-mail');

/** Exact-match % floors reached by `extractReplyText`, per corpus. */
const floors: Record<string, number> = {
  'replies-email-forward-parser': 100,
  'replies-email-reply-parser': 100,
  'replies-planer': 94.7,
  'replies-talon': 100,
  'replies-zammad': 98.5,
  'replies-parse-reply': 100,
};

interface Case {
  name: string;
  text: string;
  html?: string;
  ours: string;
  expected: string;
}

const canonical = (s: string) =>
  s
    .replace(/\r\n?/g, '\n')
    .split('\n')
    .map((l) => l.trimEnd())
    .join('\n')
    .trim();

async function loadCases(dir: string): Promise<Case[]> {
  if (fs.existsSync(path.join(dir, 'labels.json'))) return loadLabelled(dir);
  const files = fs.readdirSync(dir).filter((f) => (f.endsWith('.txt') && !f.endsWith('.expected.txt')) || f.endsWith('.eml'));
  const cases: Case[] = [];
  for (const file of files.sort()) {
    const name = file.replace(/\.(txt|eml)$/, '');
    const expected = fs.readFileSync(path.join(dir, `${name}.expected.txt`), 'utf8');
    const raw = fs.readFileSync(path.join(dir, file));
    if (file.endsWith('.eml')) {
      const mail = await parseMail(raw);
      cases.push({ name, text: mail.text, html: mail.html, ours: mail.replyText, expected });
    } else {
      const { extractReplyText } = await import('../../../shared/mail/reply-text');
      const text = raw.toString('utf8');
      cases.push({ name, text, ours: extractReplyText(text), expected });
    }
  }
  return cases;
}

/**
 * A corpus read in place (`replies-zammad`): `labels.json` maps each mail of the shared
 * corpus to its new text, `null` for "the whole text".
 */
async function loadLabelled(dir: string): Promise<Case[]> {
  const labels = z.record(z.string(), z.string().nullable()).parse(JSON.parse(fs.readFileSync(path.join(dir, 'labels.json'), 'utf8')));
  const cases: Case[] = [];
  for (const [file, label] of Object.entries(labels)) {
    const mail = await parseMail(fs.readFileSync(path.join(sharedZammadDir, file)));
    cases.push({ name: file, text: mail.text, html: mail.html, ours: mail.replyText, expected: label ?? mail.text });
  }
  return cases;
}

type Trimmer = (text: string) => string;

async function otherTrimmers(): Promise<Record<string, Trimmer>> {
  // email-reply-parser 2.x is ESM only: loaded with import(), which CommonJS may call.
  const { default: EmailReplyParser } = (await import('email-reply-parser')) as { default: new () => { read(text: string): { getVisibleText(): string } } };
  return {
    'email-reply-parser': (text) => new EmailReplyParser().read(text).getVisibleText(),
    planer: (text) => (planer as { extractFromPlain(text: string): string }).extractFromPlain(text),
  };
}

const corpora = fs
  .readdirSync(corpusRoot)
  .filter((d) => d.startsWith('replies-') && fs.statSync(path.join(corpusRoot, d)).isDirectory())
  .sort();

describe('reply text on labelled public corpora', () => {
  test('every replies-* corpus has a floor', () => assert.deepEqual(corpora, Object.keys(floors).sort()));

  for (const corpus of corpora) {
    test(`${corpus}: the new text of at least ${floors[corpus]}% of the replies comes out exactly right`, async (t) => {
      const cases = await loadCases(path.join(corpusRoot, corpus));
      const others = await otherTrimmers();
      const score = (get: (c: Case) => string) => cases.filter((c) => canonical(get(c)) === canonical(c.expected)).length;
      const pct = (n: number) => `${n}/${cases.length} = ${((100 * n) / cases.length).toFixed(1)}%`;
      const ours = score((c) => c.ours);
      const lines = [`${corpus}: ours ${pct(ours)}`];
      for (const [name, trim] of Object.entries(others)) lines.push(`  ${name} ${pct(score((c) => safely(trim, c.text)))}`);
      const misses = cases.filter((c) => canonical(c.ours) !== canonical(c.expected)).map((c) => c.name);
      if (misses.length) lines.push(`  our misses: ${misses.join(', ')}`);
      t.diagnostic(lines.join('\n'));
      assert.ok(cases.length > 0);
      assert.ok(Math.round((1000 * ours) / cases.length) / 10 >= floors[corpus]!, `${corpus}: ${pct(ours)} is below the floor of ${floors[corpus]}%; misses: ${misses.join(', ')}`);
    });
  }
});

function safely(trim: Trimmer, text: string): string {
  try {
    return trim(text);
  } catch {
    return '';
  }
}
