import { readRef, type TicketTokenFormat } from './ticket-token';

/**
 * The hidden-in-plain-sight marker our mails carry in their bodies, for the replies whose
 * client or server dropped or rewrote In-Reply-To/References and the subject token.
 *
 * Why visible text, not an attribute or a hidden element: what every reply keeps of our
 * mail is its text. Gmail rewrites class names (`m_<digits>…`), drops `<style>` blocks and
 * at times inline styles, and `id`/`data-*` attributes are not reliable through it; Outlook
 * re-renders the quoted HTML through Word (MsoNormal paragraphs), keeping text and inline
 * styles, not custom attributes; a plain-text reply keeps only text (with "> "). Zendesk
 * threads the same way: its "encoded ID" (`[1G7EOR-0Q2J]`) is plain bracketed text in the
 * body (support.zendesk.com, "How are incoming emails threaded to tickets?"). So the marker
 * is a short bracketed line, `[ref:T-000123-ab3k9q2z]`: in small grey type in HTML (if the
 * style is lost it is merely visible), and as its own line in text. Short enough that
 * quoting never wraps it.
 * It always carries the signature: a marker is only ever written by us.
 */
export const MARKER_OPEN = '[ref:';

export interface FoundMarker {
  ticketNumber: number;
  signature: string;
  /** Where it was found; the HTML is searched first. */
  source: 'html' | 'text';
}

const refPattern = /^[A-Za-z]{1,8}-?\d{1,12}-[a-z2-7]{8}$/;

/** Our mail's HTML and text with the marker of `ref` (a signed token body, `T-000123-ab3k9q2z`) appended. */
export function embedMarker(html: string | undefined, text: string, ref: string): { html: string | undefined; text: string } {
  if (!refPattern.test(ref)) throw new Error(`"${ref}" is not a signed ticket reference`);
  const marker = `${MARKER_OPEN}${ref}]`;
  const element = `<div style="color:#9b9b9b;font-size:10px;line-height:12px">${marker}</div>`;
  let withMarker: string | undefined;
  if (html !== undefined) {
    const close = html.toLowerCase().lastIndexOf('</body>');
    withMarker = close >= 0 ? `${html.slice(0, close)}${element}${html.slice(close)}` : `${html}${element}`;
  }
  return { html: withMarker, text: `${text.trimEnd()}\n\n${marker}\n` };
}

/**
 * Every signed marker of this format in the HTML and the text of a mail, each ticket once,
 * in order of appearance (HTML first). Unsigned look-alikes are not markers. Linear: one
 * bounded read per `[`, whatever the HTML around it (quoting adds tags and `>` around the
 * line, never inside it).
 */
export function findMarkers(format: TicketTokenFormat, html: string | undefined, text: string | undefined): FoundMarker[] {
  const found: FoundMarker[] = [];
  const seen = new Set<string>();
  const scan = (s: string | undefined, source: FoundMarker['source']) => {
    if (!s) return;
    for (let at = s.indexOf('['); at >= 0; at = s.indexOf('[', at + 1)) {
      if (s.slice(at, at + MARKER_OPEN.length).toLowerCase() !== MARKER_OPEN) continue;
      const ref = readRef(format, s, at + MARKER_OPEN.length, ']');
      if (!ref?.signature) continue;
      const key = `${ref.ticketNumber}-${ref.signature}`;
      if (seen.has(key)) continue;
      seen.add(key);
      found.push({ ticketNumber: ref.ticketNumber, signature: ref.signature, source });
    }
  };
  scan(html, 'html');
  scan(text, 'text');
  return found;
}
