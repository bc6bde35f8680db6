/**
 * Invisible Unicode characters that change how the text around them is shown. A
 * right-to-left override makes `invoice\u202Efdp.exe` display as `invoiceexe.pdf` and a
 * link text read as another address; in names and link texts they only ever deceive.
 */

/** Bidi embeddings, overrides and isolates (with their terminators): they reorder whole runs of text. */
const BIDI_FORMATTING = /[\u202A-\u202E\u2066-\u2069]/g;
/** The above plus the bidi marks (LRM, RLM, ALM), which only steer neutral characters. */
const BIDI_CONTROLS = /[\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/g;
/** Every format character (category Cf): the bidi controls, zero-width marks, soft hyphen, BOM, tags. */
const FORMAT_CHARACTERS = /\p{Cf}/gu;

/** For running text (mail HTML): the reordering controls go; the marks that RTL text needs stay. */
export function withoutBidiFormatting(text: string): string {
  return text.replace(BIDI_FORMATTING, '');
}

/** For short names shown as they are (display names): every bidi control goes. */
export function withoutBidiControls(text: string): string {
  return text.replace(BIDI_CONTROLS, '');
}

/** For file names: every invisible format character goes. */
export function withoutFormatCharacters(text: string): string {
  return text.replace(FORMAT_CHARACTERS, '');
}
