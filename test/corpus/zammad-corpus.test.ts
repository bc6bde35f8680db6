import assert from 'node:assert/strict';
import fs from 'node:fs';
import { test } from 'node:test';
import { parseMail } from '../../shared/mail/parse';
import type { ParsedMail } from '../../shared/mail/parsed-mail';
import { asciiOnly, decodeWordsLeniently, looksLikeHtml, visibleText } from './fair-compare';
import { corpusPairs, readExpectation, type Expectation } from './zammad-expectations';

/**
 * Every mail of the Zammad corpus parses, and what Zammad says about it (sender,
 * subject, visible body text) holds for at least 98 % of them, compared fairly (see
 * fair-compare.ts and the corpus README).
 *
 * Where our result differs from the .yml on purpose, the difference is listed below
 * with the reason and what we assert instead — nothing is skipped silently. The strict
 * figure (yml only) is printed next to the asserted one.
 */

/** Mails whose 8-bit bytes were re-encoded as UTF-8 when the corpus was copied (README). */
const reencoded = new Set(['mail031', 'mail032', 'mail044', 'mail046', 'mail068', 'mail093', 'mail098']);

interface Divergence {
  why: string;
  from?: string;
  subject?: string;
  /** Given our visible body and Zammad's, does our documented expectation hold? */
  body?: (ours: string, theirs: string, mail: ParsedMail) => boolean;
}

const divergences: Record<string, Divergence> = {
  mail003: {
    why: 'the HTML shows the link text john.hinz@example.com (href mailto:john.smith@…); Zammad prints the href, we print what the sender saw',
    body: (ours, theirs) => ours === theirs.replace('JohnMarian<john.smith@example.com>:Hallo', 'JohnMarian<john.hinz@example.com>:Hallo'),
  },
  mail016: {
    why: 'Zammad keeps the HTML <title> ("新建网页 3") as body text; a <title> is not visible content',
    body: (ours, theirs) => `新建网页3${ours}` === theirs,
  },
  mail025: {
    why: 'the body is an inline uuencoded file (begin 644 rulesets-report.csv); Zammad leaves the encoded text in the body, we decode it into an attachment (the same CSV mail024 carries as MIME)',
    body: (ours, _theirs, mail) => ours === '' && mail.attachments.some((a) => a.filename === 'rulesets-report.csv' && a.size === 100),
  },
  mail072: {
    why: 'windows-1258: 0xE0 is "à", 0xFB "û", 0x92 "’", and "a"+0xCC is "a"+U+0300 (= "à" in NFC); Zammad decoded with windows-1250 ("ŕ", "ű", a C1 control U+0092, "Ě")',
    body: (ours, theirs) =>
      ours === theirs.replace('suiteŕma', 'suiteàma').replace('aoűt', 'août').replace('remercied\u0092avance', 'remercied’avance').replace('S.aĚr.l.', 'S.àr.l.'),
  },
  mail087: {
    why: '"From: Test test@example.com" has no angle brackets: the address is test@example.com (Zammad keeps the whole string); the second part has no Content-Type, which RFC 2045 §5.2 makes text/plain, so the fax notice is the body (Zammad: "no visible content")',
    from: 'test@example.com',
    body: (ours) => ours.startsWith('SehrgeehrterKunde,SiehabensoebeneinneuesFax'),
  },
  mail105: {
    why: 'multipart/mixed whose boundary never appears: Zammad files the whole body as an attachment "file" ("no visible content"); we read it as the text it is (the same bytes, windows-1252)',
    body: (ours) => ours === 'äöüßadasd-Martin--Oldprogrammersneverdie.Theyjustbranchtoanewaddress.',
  },
  mail089: {
    why: 'the corpus .box says "Subject: Incident INC678439: -- …" and its .yml "Incident INC678439 -- …": the two files come from different revisions; we report the header as it is',
    subject: 'Incident INC678439: -- zugewiesen an EXT-XXXINIS',
  },
};

// Not listed, so counted as a failure: mail093's Subject was raw 8-bit Shift_JIS
// ("ツール"); the corpus copy re-encoded those bytes, so "ÉcÅ[Éã" is all that is left and
// no decoder can get the original back (its SJIS trail bytes even surface as ASCII "c[").

interface Verdict {
  name: string;
  problems: string[];
  strictProblems: string[];
}

function judge(name: string, mail: ParsedMail, exp: Expectation): Verdict {
  const div = divergences[name];
  const project = (s: string) => (reencoded.has(name) ? asciiOnly(s) : s);
  const problems: string[] = [];
  const strictProblems: string[] = [];
  const check = (field: string, ok: boolean, okByDivergence: boolean | undefined, detail: string) => {
    if (!ok) strictProblems.push(`${field}: ${detail}`);
    if (!(okByDivergence ?? ok)) problems.push(`${field}: ${detail}`);
  };

  if (exp.from_email !== undefined) {
    const ours = decodeWordsLeniently(mail.from?.address ?? '').toLowerCase();
    const theirs = decodeWordsLeniently(exp.from_email).toLowerCase();
    check('from', project(ours) === project(theirs), div?.from !== undefined ? mail.from?.address === div.from : undefined, `${ours} vs ${theirs}`);
  }
  if (exp.subject !== undefined) {
    check('subject', project(mail.subject) === project(exp.subject), div?.subject !== undefined ? mail.subject === div.subject : undefined, `${JSON.stringify(mail.subject)} vs ${JSON.stringify(exp.subject)}`);
  }
  if (exp.body !== undefined) {
    const html = looksLikeHtml(exp.body, exp.content_type);
    const theirs = project(visibleText(exp.body, html));
    const ours = project(html && mail.html ? visibleText(mail.html, true) : visibleText(mail.text, false));
    // Re-encoded mails: a multi-byte decoder (GBK, Shift_JIS) reading the corrupted bytes
    // may swallow an ASCII byte next to them, so ≥ 95 % of the ASCII text must survive.
    const same = reencoded.has(name) ? commonRatio(ours, theirs) >= 0.95 : ours === theirs;
    check('body', same, div?.body ? div.body(ours, theirs, mail) : undefined, `${ours.length} vs ${theirs.length} visible characters, first difference at ${firstDifference(ours, theirs)}`);
  }
  return { name, problems, strictProblems };
}

/**
 * Attachments, compared on names and count. `message.html` is Zammad's own copy of the
 * HTML body, not a part of the mail; `file`, `delivery-status.txt` and `Mail.eml` are
 * names Zammad invents for nameless parts, so any name of ours matches them.
 */
function attachmentsMatch(mail: ParsedMail, exp: Expectation): boolean | undefined {
  if (!exp.attachments) return undefined; // the yml makes no statement
  const invented = new Set(['file', 'delivery-status.txt', 'Mail.eml']);
  const expected = exp.attachments.map((a) => a.filename ?? 'file').filter((n) => n !== 'message.html');
  const ours = mail.attachments.map((a) => a.filename);
  if (ours.length !== expected.length) return false;
  const named = expected.filter((n) => !invented.has(n));
  return named.every((n) => ours.includes(n));
}

/** Longest common subsequence over the longer length: 1 = identical. */
function commonRatio(a: string, b: string): number {
  if (!a.length && !b.length) return 1;
  let prev = new Uint32Array(b.length + 1);
  for (let i = 1; i <= a.length; i++) {
    const row = new Uint32Array(b.length + 1);
    for (let j = 1; j <= b.length; j++) row[j] = a[i - 1] === b[j - 1] ? prev[j - 1]! + 1 : Math.max(prev[j]!, row[j - 1]!);
    prev = row;
  }
  return prev[b.length]! / Math.max(a.length, b.length);
}

function firstDifference(a: string, b: string): number {
  let i = 0;
  while (i < a.length && a[i] === b[i]) i++;
  return i;
}

test('every mail of the Zammad corpus parses, and Zammad\'s sender, subject and body hold for at least 98 %', async () => {
  const pairs = corpusPairs();
  assert.ok(pairs.length >= 60, `the corpus should have its ~67 mails, found ${pairs.length}`);
  const verdicts: Verdict[] = [];
  const crashes: string[] = [];
  let attachmentsChecked = 0;
  let attachmentsOk = 0;
  const attachmentMisses: string[] = [];
  for (const pair of pairs) {
    let mail: ParsedMail;
    try {
      mail = await parseMail(fs.readFileSync(pair.box));
    } catch (err) {
      crashes.push(`${pair.name}: ${(err as Error).message}`);
      continue;
    }
    const exp = readExpectation(pair.yml);
    verdicts.push(judge(pair.name, mail, exp));
    const att = attachmentsMatch(mail, exp);
    if (att !== undefined) {
      attachmentsChecked++;
      if (att) attachmentsOk++;
      else attachmentMisses.push(`${pair.name} [${mail.attachments.map((a) => a.filename).join(', ')}] vs [${(exp.attachments ?? []).map((a) => a.filename).join(', ')}]`);
    }
  }
  const passed = verdicts.filter((v) => v.problems.length === 0).length;
  const strictPassed = verdicts.filter((v) => v.strictProblems.length === 0).length;
  const rate = passed / pairs.length;
  console.log(`Zammad corpus: ${pairs.length} mails, ${crashes.length} parse failures`);
  console.log(`  sender+subject+body as the .yml says, documented divergences applied: ${passed}/${pairs.length} = ${(rate * 100).toFixed(1)} %`);
  console.log(`  strictly as the .yml says (no divergences):                          ${strictPassed}/${pairs.length} = ${((strictPassed / pairs.length) * 100).toFixed(1)} %`);
  console.log(`  attachments (names and count) where the .yml lists them:               ${attachmentsOk}/${attachmentsChecked}`);
  for (const v of verdicts.filter((x) => x.problems.length)) console.log(`  FAIL ${v.name}: ${v.problems.join('; ')}`);
  for (const m of attachmentMisses) console.log(`  attachments differ: ${m}`);
  for (const [name, d] of Object.entries(divergences)) console.log(`  divergence ${name}: ${d.why}`);

  assert.deepEqual(crashes, [], 'no mail of the corpus may fail to parse');
  assert.ok(rate >= 0.98, `expected ≥ 98 % of the corpus to match, got ${(rate * 100).toFixed(1)} %`);
});
