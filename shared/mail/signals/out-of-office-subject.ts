import { hit, type Signal } from './signal';

/**
 * Out-of-office subjects as the common servers write them, in English, German, French,
 * Spanish, Italian, Dutch, Portuguese and a few more. The phrase must open the subject
 * and be followed by a colon, a dash, a bracket or nothing ("Automatic reply: Your
 * order"), so a person writing "Automatic reply not working" is not caught.
 * AOL-style "… (Automatic Response)" at the end is recognised too.
 */
const phrases = [
  // English
  'out of (?:the )?office(?: auto-?reply| reply| autoreply)?', 'automatic reply', 'auto[- ]?reply', 'auto[- ]?response', 'automatic response',
  'autoresponder', 'away from (?:the )?office', 'vacation (?:reply|response|message|notice)', 'absence notice',
  // German
  'automatische antwort', 'automatische rückantwort', 'abwesenheitsnotiz', 'automatische abwesenheitsnotiz', 'abwesenheit', 'abwesend', 'außer haus', 'ausser haus',
  // French
  'réponse automatique', "réponse automatique d'absence(?: du bureau)?", 'absence du bureau', 'absent du bureau', "message d'absence",
  // Spanish
  'respuesta automática', 'respuesta automatica', 'fuera de la oficina', 'fuera de oficina', 'ausente', 'respuesta de ausencia',
  // Italian
  'risposta automatica', 'fuori sede', 'fuori ufficio', 'assente',
  // Dutch
  'automatisch antwoord', 'afwezig', 'niet aanwezig', 'afwezigheidsmelding', 'afwezigheidsbericht',
  // Portuguese
  'resposta automática', 'resposta automatica', 'ausente do escritório', 'fora do escritório',
  // a few more Outlook locales
  'automatiskt svar', 'automatisk svar', 'automaattinen vastaus', 'automatyczna odpowiedź', 'automatická odpověď', 'automatikus válasz',
  'otomatik yanıt', 'автоматический ответ', '自動応答', '自動返信', '自动回复', '自動回覆', '자동 응답',
];
const prefixRe = new RegExp(`^\\s*(?:${phrases.join('|')})\\s*(?:[:：\\-–(\\[]|$)`, 'i');
const suffixRe = /\((?:automatic (?:response|reply)|auto[- ]?reply|auto[- ]?response|out of (?:the )?office)\)\s*$/i;

/**
 * Lotus Notes/Domino: "AUTO: <name> is out of the office (returning …)", localized.
 * "AUTO:" alone is no evidence — "Auto" is a car in German and Dutch — so the absence
 * phrase must follow it. String searches: no regex runs over the subject's middle.
 */
const notesAbsence = [
  ' is out of the office', ' ist außer haus', ' ist ausser haus', ' ist nicht im büro', ' ist abwesend', " est absent", ' está fuera de la oficina',
  ' è fuori ufficio', ' is afwezig', ' er ikke på kontoret', ' är inte på kontoret', ' on poissa toimistolta', ' jest poza biurem',
];

function isNotesAbsence(subject: string): boolean {
  const trimmed = subject.trimStart();
  if (trimmed.slice(0, 5).toLowerCase() !== 'auto:') return false;
  const lower = trimmed.slice(0, 300).toLowerCase();
  return notesAbsence.some((p) => lower.includes(p));
}

export function isOutOfOfficeSubject(subject: string): boolean {
  return prefixRe.test(subject) || suffixRe.test(subject) || isNotesAbsence(subject);
}

export const outOfOfficeSubject: Signal = {
  name: 'out-of-office-subject',
  test: ({ mail }) => (isOutOfOfficeSubject(mail.subject) ? hit('auto-reply', `Subject "${mail.subject.trim()}" is an out-of-office reply`) : undefined),
};
