import { withoutFormatCharacters } from './invisible-characters';

/**
 * How a file name is read to decide what kind of file it is: as Windows (and a user
 * looking at it) would take it, not as its bytes spell it. Used for attachment names and
 * for the names inside a ZIP attachment.
 */

/**
 * Characters that display as a dot but are not one, so `invoice。exe` cannot pass for a
 * name without an extension (NFKC already folds the fullwidth `．`, `﹒` and `․`).
 */
const LOOKALIKE_DOTS = new Set(['\u3002', '\uFF61', '\u2E3C', '\uA4F8', '\u0701', '\u0702', '\u06D4', '\u00B7', '\u2027', '\u2219', '\u22C5', '\u16EB', '\u30FB', '\uFF65']);

// eslint-disable-next-line no-control-regex -- control characters are exactly what this removes
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f]/g;

/** Windows drops trailing dots and spaces from a file name; a loop, because `/[. ]+$/` backtracks quadratically. */
function trimTrailingDotsAndSpaces(name: string): string {
  let end = name.length;
  while (end > 0 && (name[end - 1] === '.' || /\s/.test(name[end - 1]!))) end--;
  return name.slice(0, end);
}

/**
 * Every extension a file name can be taken to have, lower-cased: the name folded with
 * NFKC (fullwidth letters), look-alike dots read as dots, invisible format characters
 * (right-to-left override: `invoice\u202Efdp.exe` shows as `invoiceexe.pdf`) removed,
 * trailing dots and spaces dropped (`invoice.exe.`), and also as cut at a NUL (C APIs)
 * and at an NTFS stream separator (`file.exe::$DATA`, `file.exe:x.txt`).
 */
export function extensionsOf(filename: string): string[] {
  let name = '';
  for (const ch of withoutFormatCharacters(filename.normalize('NFKC'))) name += LOOKALIKE_DOTS.has(ch) ? '.' : ch;
  const readings = new Set<string>([name]);
  const nul = name.indexOf('\0');
  if (nul >= 0) readings.add(name.slice(0, nul));
  for (const r of [...readings]) {
    const colon = r.indexOf(':');
    if (colon >= 0) readings.add(r.slice(0, colon));
  }
  const exts = new Set<string>();
  for (const r of readings) {
    const base = trimTrailingDotsAndSpaces(r.replace(CONTROL_CHARACTERS, '')).toLowerCase();
    const dot = base.lastIndexOf('.');
    if (dot >= 0) exts.add(trimTrailingDotsAndSpaces(base.slice(dot + 1)).trimStart());
  }
  return [...exts].filter(Boolean);
}
