import { test } from 'node:test';
import assert from 'node:assert/strict';
import { stripSubjectPrefixes } from '../../../shared/threading/subject-prefix';

const cases: [subject: string, rest: string, kinds: string][] = [
  ['Printer on floor 3', 'Printer on floor 3', ''],
  ['Re: Printer', 'Printer', 'reply'],
  ['RE: Printer', 'Printer', 'reply'],
  ['re:Printer', 'Printer', 'reply'],
  ['Re : Printer', 'Printer', 'reply'],
  ['AW: WG: Re: Printer', 'Printer', 'reply forward reply'],
  ['Fwd: Fw: FW: Printer', 'Printer', 'forward forward forward'],
  ['Re[2]: Printer', 'Printer', 'reply'],
  ['RE (3): Printer', 'Printer', 'reply'],
  ['Re：Printer', 'Printer', 'reply'],
  ['回复：Printer', 'Printer', 'reply'],
  ['回覆: 答复: Printer', 'Printer', 'reply reply'],
  ['返信: 転送: Printer', 'Printer', 'reply forward'],
  ['轉寄: 转发: Printer', 'Printer', 'forward forward'],
  ['전달: 답장: 회신: Printer', 'Printer', 'forward reply reply'],
  ['Ответ: Отв: ПЕРЕСЛ: Printer', 'Printer', 'reply reply forward'],
  ['Sv: SV: VS: Vs: Printer', 'Printer', 'reply reply reply reply'],
  ['Antw: Doorst: Printer', 'Printer', 'reply forward'],
  ['Odp: PD: Printer', 'Printer', 'reply forward'],
  ['Res: Enc: ENC: RV: Printer', 'Printer', 'reply forward forward forward'],
  ['Ynt: İlt: Printer', 'Printer', 'reply forward'],
  ['Vá: Továbbítás: Printer', 'Printer', 'reply forward'],
  ['Atb: Ats: Printer', 'Printer', 'reply reply'],
  ['Réf: TR: Printer', 'Printer', 'reply forward'],
  ['Rif: R: I: Printer', 'Printer', 'reply reply forward'],
  ['Trs: Vb: Vid: Printer', 'Printer', 'forward forward forward'],
  ['ΑΠ: ΣΧΕΤ: ΠΡΘ: Printer', 'Printer', 'reply reply forward'],
  ['Відп: Printer', 'Printer', 'reply'],
  ['Trả lời: Printer', 'Printer', 'reply'],
  ['إعادة توجيه: رد: Printer', 'Printer', 'forward reply'],
  ['\u00a0 Re:  Re:Re: [#T-000123] Printer', '[#T-000123] Printer', 'reply reply reply'],
  // words that are not prefixes, or prefixes not followed by a colon, stay
  ['Regarding: Printer', 'Regarding: Printer', ''],
  ['PS: one more thing', 'PS: one more thing', ''],
  ['Ref: invoice 42', 'Ref: invoice 42', ''],
  ['Re Printer', 'Re Printer', ''],
  ['Re[x]: Printer', 'Re[x]: Printer', ''],
  ['Info: Re: Printer', 'Info: Re: Printer', ''],
  ['Re:', '', 'reply'],
];

for (const [subject, rest, kinds] of cases) {
  test(`"${subject}" strips to "${rest}" (${kinds || 'no prefix'})`, () => {
    const out = stripSubjectPrefixes(subject);
    assert.equal(out.subject, rest);
    assert.equal(out.prefixes.map((p) => p.kind).join(' '), kinds);
    assert.equal(out.kind, out.prefixes[0]?.kind);
  });
}

test('the prefixes are returned as written, outermost first', () => {
  assert.deepEqual(stripSubjectPrefixes('AW: Re[2]： x').prefixes, [
    { text: 'AW:', kind: 'reply' },
    { text: 'Re[2]：', kind: 'reply' },
  ]);
});

// Sized so that a scan restarting at every position (quadratic) would take minutes and hit
// the test timeout; one pass is instant.
test('hostile subjects are stripped in one pass: 200k prefixes, long letter runs, open counters', () => {
  const many = 'Re: AW: '.repeat(100_000) + 'x';
  const out = stripSubjectPrefixes(many);
  assert.equal(out.subject, 'x');
  assert.equal(out.prefixes.length, 200_000);
  assert.equal(stripSubjectPrefixes('Re'.repeat(500_000)).prefixes.length, 0);
  assert.equal(stripSubjectPrefixes(`Re[${'1'.repeat(500_000)}`).prefixes.length, 0);
  assert.equal(stripSubjectPrefixes(`${'Re: '.repeat(100_000)}Re ${' '.repeat(500_000)}`).prefixes.length, 100_000);
});
