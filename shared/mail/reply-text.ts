/**
 * The new text of a reply: what the person wrote above the quoted history.
 *
 * Each rule below finds the line where quoted history (or the signature) starts; the
 * earliest one wins. Conservative by design: a rule must be specific (a separator, a
 * header block, an attribution with a date), interleaved answers between `>` quotes are
 * kept whole, and a result that would be empty falls back to the full text — a note
 * with too much text is a nuisance, a note with nothing in it loses the customer's words.
 */

type CutRule = (lines: readonly string[], ctx: { quoteMarkupInHtml: boolean }) => number | undefined;

// ---------- vocabulary (EN, DE, FR, ES, IT, NL, PT, and a few more Outlook locales) ----------

const originalMessage = [
  'Original Message', 'Ursprüngliche Nachricht', 'Originalnachricht', "Message d'origine", 'Mensaje original',
  'Messaggio originale', 'Oorspronkelijk bericht', 'Origineel bericht', 'Mensagem original', 'Mensagem Original',
  'Originalmeddelande', 'Oprindelig meddelelse', 'Opprinnelig melding', 'Alkuperäinen viesti',
  'Wiadomość oryginalna', 'Původní zpráva', 'Исходное сообщение', 'Forwarded message', 'Weitergeleitete Nachricht',
  'Message transféré', 'Mensaje reenviado', 'Messaggio inoltrato', 'Doorgestuurd bericht', 'Mensagem encaminhada',
];
const beginForwarded = ['Begin forwarded message', 'Anfang der weitergeleiteten Nachricht', 'Début du message réexpédié', 'Inicio del mensaje reenviado', 'Inizio messaggio inoltrato', 'Begin doorgestuurd bericht', 'Início da mensagem reencaminhada'];

const fromWords = ['From', 'Von', 'De', 'Da', 'Van', 'Från', 'Fra', 'Od', 'От', 'Lähettäjä', 'Feladó'];
const sentWords = ['Sent', 'Date', 'Gesendet', 'Datum', 'Envoyé', 'Date', 'Enviado', 'Enviado el', 'Fecha', 'Inviato', 'Data', 'Verzonden', 'Verstuurd', 'Skickat', 'Sendt', 'Wysłano', 'Odesláno', 'Отправлено', 'Lähetetty', 'Elküldve'];
const toOrSubjectWords = ['To', 'Subject', 'An', 'Betreff', 'À', 'Objet', 'Para', 'Asunto', 'A', 'Oggetto', 'Aan', 'Onderwerp', 'Assunto', 'Till', 'Ämne', 'Til', 'Emne', 'Do', 'Temat', 'Komu', 'Předmět', 'Кому', 'Тема', 'Cc', 'Kopie', 'CC'];
const wroteVerbs = ['wrote', 'writes', 'schrieb', 'a écrit', 'escribió', 'ha scritto', 'schreef', 'escreveu', 'skrev', 'napisał', 'napsal', 'написал', 'kirjoitti'];
const attributionStarts = ['On', 'Am', 'Le', 'El', 'Il', 'Op', 'Em', 'Den', 'Dne', 'W dniu'];

const alt = (words: readonly string[]) => words.map((w) => w.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/ /g, '\\s+')).join('|');

const separatorRe = new RegExp(`^\\s*[-_=*]{2,}\\s*(?:${alt(originalMessage)})\\s*[-_=*]{2,}\\s*$`, 'i');
const beginForwardedRe = new RegExp(`^\\s*(?:${alt(beginForwarded)})\\s*:\\s*$`, 'i');
// One class for the blanks, stars and quote marks before the word: `\s*[*>]*\s*` backtracks quadratically on a run of blanks.
const headerLine = (words: readonly string[]) => new RegExp(`^[\\s*>]*(?:${alt(words)})\\s*:\\*?\\s*\\S`, 'i');
const fromRe = headerLine(fromWords);
const sentRe = headerLine(sentWords);
const toOrSubjectRe = headerLine(toOrSubjectWords);
const attributionRe = new RegExp(`^\\s*(?:${alt(attributionStarts)})\\s.{4,400}(?:${alt(wroteVerbs)})(?:\\s+[^:]{0,120})?\\s*:\\s*$`, 'i');
const wroteEndRe = new RegExp(`(?:${alt(wroteVerbs)})\\s*:\\s*$`, 'i');
const nameWroteRe = new RegExp(`^.{1,120}\\s(?:${alt(wroteVerbs)})\\s*:\\s*$`, 'i');
const quotedRe = /^\s*>/;
const underscoreRuleRe = /^\s*_{10,}\s*$/;

// ---------- rules ----------

/** `-----Original Message-----` and its translations, Gmail's `---------- Forwarded message ---------`. */
const separatorLine: CutRule = (lines) => firstIndex(lines, (l) => separatorRe.test(l) || beginForwardedRe.test(l));

/**
 * Outlook's header block: `From: …` followed within a few lines by `Sent:`/`Date:` and
 * `To:`/`Subject:`. A rule line of underscores just above it belongs to it.
 * When the HTML carries quote markup, `From:` plus one of the others is enough.
 */
const outlookHeaderBlock: CutRule = (lines, ctx) =>
  firstIndex(lines, (l, i) => {
    if (!fromRe.test(l)) return false;
    const next = lines.slice(i + 1, i + 6);
    const sent = next.some((n) => sentRe.test(n));
    const toOrSubject = next.some((n) => toOrSubjectRe.test(n));
    return (sent && toOrSubject) || (ctx.quoteMarkupInHtml && (sent || toOrSubject));
  }, (i) => ruleAbove(lines, i));

/**
 * An attribution line: `On <date>, <name> wrote:` (Gmail, Apple Mail, Thunderbird) and
 * `Am … schrieb …:`, `Le … a écrit :`, `El … escribió:`, `Il … ha scritto:`,
 * `Op … schreef …:`, `Em … escreveu:`. Gmail wraps long ones, so up to three lines are
 * joined. It must contain a digit (the date) to tell it from a sentence starting "On".
 */
const attributionLine: CutRule = (lines) =>
  firstIndex(lines, (_l, i) => {
    for (let span = 1; span <= 3 && i + span <= lines.length; span++) {
      const joined = lines.slice(i, i + span).map((s) => s.trim()).join(' ');
      if (span > 1 && lines[i + span - 1]!.trim() === '') return false;
      if (attributionRe.test(joined) && /\d/.test(joined)) return true;
      if (span === 1 && isAddressWrote(joined)) return true;
    }
    return false;
  });

/** `Name wrote:` directly followed (blank lines aside) by quoted lines. */
const nameWroteBeforeQuote: CutRule = (lines) =>
  firstIndex(lines, (l, i) => nameWroteRe.test(l) && quotedRe.test(nextNonBlank(lines, i + 1) ?? ''));

/**
 * The first `>` line, when everything after it is quoted (or blank). Interleaved
 * answers (`> question` / answer / `> question` / answer) are left whole.
 */
const trailingQuote: CutRule = (lines) => {
  const first = lines.findIndex((l) => quotedRe.test(l));
  if (first < 0) return undefined;
  const restIsQuote = lines.slice(first).every((l) => l.trim() === '' || quotedRe.test(l));
  return restIsQuote ? first : undefined;
};

/** The signature delimiter `-- ` (RFC 3676; many clients drop the trailing space). */
const signatureDelimiter: CutRule = (lines) => firstIndex(lines, (l) => /^-- ?$/.test(l));

/** The rules, in no particular priority: the earliest cut wins. */
const rules: readonly CutRule[] = [separatorLine, outlookHeaderBlock, attributionLine, nameWroteBeforeQuote, trailingQuote, signatureDelimiter];

/** Quote containers of the common clients' HTML. */
// `[^<>]*` (not `[^>]+`) inside the blockquote tag: a scan ends at the next tag, so the HTML is read once.
const quoteMarkupRe = /class=["']?(?:gmail_quote|yahoo_quoted|moz-cite-prefix)|id=["']?(?:divRplyFwdMsg|appendonsend|x_divRplyFwdMsg)|<blockquote[^<>]*\btype=["']?cite|name=["']?quote/i;

/**
 * Returns the new text of a reply, quoted history and signature removed; the whole text
 * (trimmed) when nothing is recognised or the cut would leave nothing.
 */
export function extractReplyText(text: string, html?: string): string {
  const normalized = text.replace(/\r\n?/g, '\n');
  const lines = normalized.split('\n');
  const ctx = { quoteMarkupInHtml: !!html && quoteMarkupRe.test(html) };
  let cut = lines.length;
  for (const rule of rules) {
    const at = rule(lines, ctx);
    if (at !== undefined && at < cut) cut = at;
  }
  const reply = lines.slice(0, cut).join('\n').trim();
  return reply || normalized.trim();
}

// ---------- helpers ----------

/**
 * `… john@example.com wrote:` (the address may be bracketed, and start within the first
 * 200 characters). The verb is found from the end, then the word before it is checked
 * whole: one regex for all of it (`^.{0,200}[^\s<>@]+@…`) backtracks 200 times per character.
 */
function isAddressWrote(line: string): boolean {
  const verb = wroteEndRe.exec(line);
  if (!verb) return false;
  const before = line.slice(0, verb.index).trimEnd();
  let end = before.length;
  if (end > 0 && '>])'.includes(before[end - 1]!)) end--;
  let at = end; // the domain: back to its "@"
  while (at > 0 && !isAddressStop(before[at - 1]!)) at--;
  if (at === end || at < 2 || before[at - 1] !== '@') return false;
  let start = at - 1; // the local part: back to a blank, `<`, `>` or another "@"
  while (start > 0 && !isAddressStop(before[start - 1]!)) start--;
  if (start === at - 1) return false;
  return start <= 200 || (start === 201 && '<[('.includes(before[200]!));
}

const isAddressStop = (c: string): boolean => c === '@' || c === '<' || c === '>' || /\s/.test(c);

function firstIndex(
  lines: readonly string[],
  test: (line: string, i: number) => boolean,
  adjust: (i: number) => number = (i) => i,
): number | undefined {
  const i = lines.findIndex((l, idx) => test(l, idx));
  return i < 0 ? undefined : adjust(i);
}

/** Moves a cut up to an underscore rule line just above it (blank lines between allowed). */
function ruleAbove(lines: readonly string[], i: number): number {
  let j = i - 1;
  while (j >= 0 && lines[j]!.trim() === '') j--;
  return j >= 0 && underscoreRuleRe.test(lines[j]!) ? j : i;
}

function nextNonBlank(lines: readonly string[], from: number): string | undefined {
  for (let i = from; i < lines.length; i++) if (lines[i]!.trim() !== '') return lines[i];
  return undefined;
}
