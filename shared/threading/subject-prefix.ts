/**
 * Reply and forward prefixes of a subject ("Re: AW: Fwd[2]： …"), in any number and mix,
 * in the languages mail clients write them. Read by a character scan, not a regex: a
 * subject is attacker-chosen, and one pass over it is the whole cost (every loop round
 * consumes the prefix it read, and a failed attempt ends the scan).
 */

export type PrefixKind = 'reply' | 'forward';

export interface SubjectPrefix {
  /** The prefix as written, colon included ("AW:", "Re[2]:"). */
  text: string;
  kind: PrefixKind;
}

export interface StrippedSubject {
  /** The subject without its leading prefixes (trimmed). */
  subject: string;
  /** The prefixes in the order they stood, outermost first. */
  prefixes: SubjectPrefix[];
  /** The outermost prefix's kind: what the last sender did; undefined without prefixes. */
  kind: PrefixKind | undefined;
}

// Lower-cased words clients put before a colon. "VS" is a reply in Finnish/Estonian and a
// forward in Danish/Norwegian: listed as a reply (the kind is informative; the strip is the
// same). Words that open ordinary subjects ("PS:", "Ref:") are left out on purpose. Sources: the localized Outlook, Thunderbird,
// Apple Mail and Gmail strings (and Wikipedia's "List of email subject abbreviations").
const replyWords = [
  're', 'aw', 'sv', 'vs', 'antw', 'odp', 'res', 'ynt', 'vá', 'atb', 'ats', 'réf', 'rif', 'r', 'odg', 'odgovor',
  'rép', 'svar', 'απ', 'σχετ', 'השב', 'رد', 'پاسخ', 'balas', 'trả lời', 'tl',
  '回复', '回覆', '答复', '答覆', '返信', '답장', '회신', 'ответ', 'отв', 'відп', 'odpověď', 'atsakymas',
];
const forwardWords = [
  'fw', 'fwd', 'wg', 'tr', 'rv', 'enc', 'doorst', 'trs', 'vb', 'vid', 'vl', 'i', 'pd', 'fs', 'pārs', 'pers', 'tov',
  'továbbítás', 'edasi', 'videresend', 'ilt', 'İlt', 'πρθ', 'הועבר', 'إعادة توجيه', 'přep', 'preposlano',
  '转发', '轉寄', '轉發', '転送', '전달', 'переслать', 'пересл', 'перес', 'doorgestuurd',
];

const kinds = new Map<string, PrefixKind>();
for (const w of forwardWords) kinds.set(w.toLowerCase(), 'forward');
for (const w of replyWords) kinds.set(w.toLowerCase(), 'reply');

/** No prefix word is longer; a longer run of letters cannot be one. */
const MAX_WORD = Math.max(...[...kinds.keys()].map((w) => w.length));
/** "[12]", "(3)": reply counters some clients add ("Re[2]:"). */
const MAX_COUNTER_DIGITS = 4;

const isColon = (c: string | undefined) => c === ':' || c === '：' || c === '﹕';
const isBlank = (c: string | undefined) => c === ' ' || c === '\t' || c === '\u00a0' || c === '\u3000';
/** Letters of the prefix words (and the blank inside "trả lời" / "إعادة توجيه"). */
const isWordChar = (c: string) => c !== ':' && c !== '：' && c !== '[' && c !== '(' && !/[\s\d\p{P}\p{S}]/u.test(c);

/** Reads one prefix at `at`; returns its end (after the colon) or -1. Looks at most MAX_WORD + a few characters. */
function prefixAt(s: string, at: number): { end: number; word: string } | -1 {
  let i = at;
  let word = '';
  // A word of letters, possibly two words joined by one blank (Vietnamese, Arabic).
  while (i < s.length && word.length <= MAX_WORD) {
    const c = s[i]!;
    if (isWordChar(c)) {
      word += c;
      i++;
    } else if (c === ' ' && word && isWordChar(s[i + 1] ?? ':') && kinds.has(`${word} ${wordFrom(s, i + 1)}`.toLowerCase())) {
      word += ' ';
      i++;
    } else break;
  }
  if (!word || !kinds.has(word.toLowerCase())) return -1;
  while (isBlank(s[i])) i++;
  const open = s[i];
  if (open === '[' || open === '(') {
    const close = open === '[' ? ']' : ')';
    let j = i + 1;
    while (j < s.length && j - i - 1 < MAX_COUNTER_DIGITS && s[j]! >= '0' && s[j]! <= '9') j++;
    if (j === i + 1 || s[j] !== close) return -1;
    i = j + 1;
    while (isBlank(s[i])) i++;
  }
  return isColon(s[i]) ? { end: i + 1, word } : -1;
}

/** The letters from `at` up to MAX_WORD of them. */
function wordFrom(s: string, at: number): string {
  let w = '';
  for (let i = at; i < s.length && w.length < MAX_WORD && isWordChar(s[i]!); i++) w += s[i];
  return w;
}

/** Strips every leading reply/forward prefix ("Re: Fwd: AW:" …). Linear in the subject. */
export function stripSubjectPrefixes(subject: string): StrippedSubject {
  const prefixes: SubjectPrefix[] = [];
  let i = 0;
  for (;;) {
    while (isBlank(subject[i])) i++;
    const found = prefixAt(subject, i);
    if (found === -1) break;
    prefixes.push({ text: subject.slice(i, found.end), kind: kinds.get(found.word.toLowerCase())! });
    i = found.end;
  }
  return { subject: subject.slice(i).trim(), prefixes, kind: prefixes[0]?.kind };
}
