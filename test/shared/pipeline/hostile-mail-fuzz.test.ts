import { test } from 'node:test';
import assert from 'node:assert/strict';
import { classifyMail, classifyOptions } from '../../../shared/mail/classify';
import { inspectRaw } from '../../../cli/inspect';
import { parseMailWithContent } from '../../../shared/mail/parse';
import { extractReplyText } from '../../../shared/mail/reply-text';
import { decide } from '../../../shared/pipeline/decide';
import { seedTemplates } from '../../../shared/tickets/seed';
import { channelRecord } from '../../support/fixtures';
import { seededRandom } from '../../support/seeded-random';

/**
 * Fuzz guard: generated hostile mail (deep MIME nesting, huge headers, long runs of
 * whitespace, NULs, broken encodings, enormous line counts, long lines without breaks,
 * many recipients) through parse → classify → decide, the reply text and `inspect`, with
 * a per-mail CPU budget checked by COUNTING WORK, never by the clock.
 *
 * The work count: every regular expression application in the process (ours and the
 * libraries': mailparser, libmime, html-to-text) goes through `RegExp.prototype.exec` —
 * `test`, `replace`, `split`, `match` and `matchAll` all call it — so a small seam wraps
 * it and adds the characters each application scanned (from where it started to the end
 * of its match, or to the end of the input when it failed). That number is deterministic
 * and grows with the work done, so for each family of mail, generated at size n and 4n
 * from the same seed, the count per byte at 4n must stay close to the count per byte at n
 * (a quadratic path makes it 4×), and under a fixed budget per byte of raw mail.
 * Why counting regex scans: it needs no timer and is stable across machines and runs, and
 * a regex rescanning the rest of the text per line or per match is the shape every
 * quadratic path found so far had. What it cannot see is backtracking inside one
 * application: that is what regex-safety.test.ts proves absent with recheck, for every
 * regex our code applies to mail. Together they bound the CPU one mail costs.
 *
 * Seeded (mulberry32): a failure names its family and seed, and reproduces.
 */

// FUZZ_SEEDS=4,5,6 FUZZ_BASE=50000 npm test -- hostile-mail-fuzz: more seeds, bigger mail.
const SEEDS = process.env.FUZZ_SEEDS ? process.env.FUZZ_SEEDS.split(',').map(Number) : [1, 2, 3];
const BASE = Number(process.env.FUZZ_BASE ?? 12_000); // n, in characters of hostile content
// Work per byte at 4n may be up to 2× that at n (the random content differs a little between
// sizes); a quadratic path makes it 4×. Measured: 1.0-1.4×.
const GROWTH_PER_BYTE = 2;
// Characters scanned by regexes per byte of raw mail, whole path (parse runs twice: pipeline
// and inspect). Measured: 3-66.
const BUDGET_PER_BYTE = 100;

// ---------- the work counter ----------

let scanned = 0;
const originalExec = RegExp.prototype.exec;
function countingExec(this: RegExp, input: string): RegExpExecArray | null {
  const text = String(input);
  const from = this.global || this.sticky ? this.lastIndex : 0;
  const m = originalExec.call(this, text);
  scanned += 1 + (m ? m.index + m[0].length - from : this.sticky ? 1 : text.length - from);
  return m;
}

async function workOf(run: () => Promise<void>): Promise<number> {
  scanned = 0;
  RegExp.prototype.exec = countingExec;
  try {
    await run();
  } finally {
    RegExp.prototype.exec = originalExec;
  }
  return scanned;
}

// ---------- the pipeline under test ----------

const template = seedTemplates.find((t) => t.id === 'it-support')!;
const channel = channelRecord({
  domains: { allowed: ['example.org', '*.example.net'], excludeAutoReplies: true, acceptNotifications: false },
  ticketMapping: {
    templateId: 'it-support',
    whitelist: [],
    nonWhitelistedReply: 'reject',
    fields: [
      { field: 'affectedSystem', source: { kind: 'regex', on: 'body', pattern: 'asset[:\\s#]*(?<tag>[A-Z]{2}-\\d+)', flags: 'i', group: 'tag' } },
      { field: 'contactEmail', source: { kind: 'header', name: 'Reply-To' } },
      { field: 'details', source: { kind: 'mail', property: 'to' } },
    ],
  },
});

async function throughPipeline(raw: Buffer): Promise<void> {
  const parsed = await parseMailWithContent(raw).catch((err: unknown) => {
    if ((err as { code?: string }).code === 'MIME_UNPARSEABLE') return undefined; // a refusal is a fine outcome
    throw err;
  });
  if (parsed) {
    const classification = classifyMail(parsed.mail, classifyOptions(channel));
    decide({ channel, mail: parsed.mail, classification, folder: 'INBOX', template, receivedAt: '2026-12-01T00:00:00.000Z' });
    extractReplyText(parsed.mail.text, parsed.mail.html);
  }
  const inspected = await inspectRaw('fuzz.eml', raw, { channel, template });
  assert.ok('file' in inspected);
}

// ---------- the generator ----------


type Rand = () => number;
const pick = <T>(r: Rand, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
/** n characters drawn from `alphabet`, in runs so that repeated characters (the regex killers) appear. */
function noise(r: Rand, n: number, alphabet: readonly string[]): string {
  let out = '';
  while (out.length < n) out += pick(r, alphabet).repeat(1 + Math.floor(r() * r() * 400));
  return out.slice(0, n);
}
const nasty = [' ', '\t', '<', '>', '(', ')', '@', '=', '?', '"', '\\', '-', '_', '*', ':', ';', '.', 'a', 'Z', '0', '\u0000', '\u00a0', 'é', '\u202e', '>'];
const b64 = (s: string) => Buffer.from(s).toString('base64').replace(/.{76}/g, '$&\r\n');

function head(r: Rand, extra: string[] = []): string[] {
  return [
    `From: ${pick(r, ['Alice <alice@example.org>', 'bob@mail.example.net', '"Mallory" <mallory@evil.test>'])}`,
    'To: desk@example.com',
    `Subject: ${pick(r, ['Printer broken', 'Re: Your ticket', 'Automatic reply: away', 'Undeliverable: hello'])}`,
    'Date: Tue, 1 Dec 2026 10:00:00 +0100',
    `Message-ID: <${Math.floor(r() * 1e9)}@example.org>`,
    'MIME-Version: 1.0',
    ...extra,
  ];
}
const mail = (lines: string[]) => Buffer.from(lines.join('\r\n'), 'latin1');

/** Each family makes a hostile mail whose hostile part is about n characters. */
const families: Record<string, (r: Rand, n: number) => Buffer> = {
  'deep MIME nesting': (r, n) => {
    const depth = Math.max(2, Math.floor(n / 400));
    const lines = head(r, ['Content-Type: multipart/mixed; boundary="b0"', '']);
    for (let d = 1; d < depth; d++) lines.push(`--b${d - 1}`, `Content-Type: ${pick(r, ['multipart/mixed', 'multipart/alternative', 'multipart/related'])}; boundary="b${d}"`, '');
    lines.push(`--b${depth - 1}`, 'Content-Type: text/plain', '', noise(r, 200, nasty));
    for (let d = depth - 1; d >= 0; d--) lines.push(`--b${d}--`);
    return mail(lines);
  },
  'huge headers': (r, n) =>
    mail([
      ...head(r, [
        `X-Junk: ${noise(r, n, nasty).replace(/[\r\n]/g, ' ')}`,
        `References: ${'<'.repeat(n / 4)}${'>'.repeat(n / 4)}`,
        `In-Reply-To: ${'<a@b>'.repeat(n / 10)}`,
        `List-Id: ${'<'.repeat(n / 4)}`,
        `Return-Path: <${' '.repeat(n / 4)}x`,
        `X-MS-Exchange-Inbox-Rules-Loop: ${'>'.repeat(n / 4)}x`,
        `Date: ${'('.repeat(n / 4)}`,
        ...Array.from({ length: n / 200 }, (_, i) => `X-H${i}: ${noise(r, 20, nasty)}`),
      ]),
      'Content-Type: text/plain',
      '',
      'hello',
    ]),
  'long runs of whitespace': (r, n) =>
    mail([...head(r, ['Content-Type: text/plain; charset=utf-8', 'Content-Transfer-Encoding: base64', '']), b64(`asset: AB-12${noise(r, n, [' ', '\t', ' \t'])}x\n${' '.repeat(n)}\n> quoted${'\t'.repeat(n)}q`)]),
  // (a NUL in the header block makes the mail refused as binary; encoded, it reaches the pipeline)
  NULs: (r, n) => mail([...head(r, [`X-Null: =?utf-8?B?${b64('\u0000'.repeat(n / 4)).replace(/\r\n/g, '')}?=`, 'Content-Type: text/plain', '']), noise(r, n, ['\u0000', ' ', 'a', '\u0000\r\n'])]),
  'broken encodings': (r, n) =>
    mail([
      ...head(r, [`X-Enc: =?utf-8?B?${'A'.repeat(n / 8)}`, `Subject: =?x-unknown?Q?${'=ZZ'.repeat(n / 24)}?=`, 'Content-Type: multipart/mixed; boundary="x"', '']),
      '--x',
      'Content-Type: text/plain; charset=bogus-charset',
      'Content-Transfer-Encoding: quoted-printable',
      '',
      noise(r, n / 2, ['=', '=Z', '=\r\n', 'a', ' ', '=3D']),
      '--x',
      'Content-Type: text/html',
      'Content-Transfer-Encoding: base64',
      '',
      noise(r, n / 2, ['@', '!', 'QUFB', '=', '\r\n']),
      '--x--',
    ]),
  'enormous line counts': (r, n) =>
    mail([...head(r, ['Content-Type: text/plain', '']), ...Array.from({ length: n / 2 }, () => pick(r, ['', '>', '> >', 'begin 644 x.bin', '--', 'On Mon wrote:', 'From: a', 'a@b wrote:']))]),
  'long lines without breaks': (r, n) =>
    mail([...head(r, ['Content-Type: text/html; charset=utf-8', '']), `<blockquote ${'a'.repeat(n / 2)}<blockquote type=${'x'.repeat(n / 2)}<p>${noise(r, n, nasty)}`]),
  'many recipients': (r, n) =>
    mail([
      ...head(r, [`Cc: ${Array.from({ length: n / 25 }, (_, i) => `"R ${i}" <r${i}@example.${pick(r, ['org', 'net'])}>`).join(', ')}`, `Bcc: ${'x@y,'.repeat(n / 4)}`]),
      'Content-Type: text/plain',
      '',
      'hi',
    ]),
};

for (const [family, generate] of Object.entries(families)) {
  test(`hostile mail (${family}) costs linear work through parse, classify, decide, reply text and inspect`, { timeout: 120_000 }, async () => {
    for (const seed of SEEDS) {
      const small = generate(seededRandom(seed), BASE);
      const large = generate(seededRandom(seed), 4 * BASE);
      const workSmall = await workOf(() => throughPipeline(small));
      const workLarge = await workOf(() => throughPipeline(large));
      const where = `${family}, seed ${seed}: ${workSmall} at ${small.length} bytes, ${workLarge} at ${large.length} bytes`;
      assert.ok(workLarge / large.length <= GROWTH_PER_BYTE * (workSmall / small.length), `work grew faster than the mail (${where})`);
      assert.ok(workLarge <= BUDGET_PER_BYTE * large.length, `work over budget (${where})`);
    }
  });
}

test('the work count is deterministic and sees a quadratic path', async () => {
  const raw = families['enormous line counts']!(seededRandom(7), BASE);
  assert.equal(await workOf(() => throughPipeline(raw)), await workOf(() => throughPipeline(raw)));
  // a rule that rescans the rest of the text for each line: what the counter exists to catch
  const quadratic = (lines: number) => workOf(async () => {
    const text = 'x\n'.repeat(lines);
    for (let i = 0; i < lines; i++) /never/.test(text.slice(2 * i));
  });
  assert.ok((await quadratic(4000)) > 10 * (await quadratic(1000)));
});
