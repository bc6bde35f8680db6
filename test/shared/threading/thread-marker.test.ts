import { test } from 'node:test';
import assert from 'node:assert/strict';
import { embedMarker, findMarkers } from '../../../shared/threading/thread-marker';
import { DEFAULT_TOKEN_FORMAT, tokenRef, verifyToken } from '../../../shared/threading/ticket-token';

const key = Buffer.alloc(32, 3);
const ref = tokenRef(DEFAULT_TOKEN_FORMAT, 'ch-1', 123, key);
const ours = embedMarker('<html><body><p>We got your request.</p></body></html>', 'We got your request.\n', ref);

test('the marker goes into the HTML before </body> and into the text as its own last line', () => {
  assert.match(ours.html!, /<p>We got your request\.<\/p><div style="[^"]*">\[ref:T-000123-[a-z2-7]{8}\]<\/div><\/body>/);
  assert.equal(ours.text, `We got your request.\n\n[ref:${ref}]\n`);
  assert.equal(embedMarker(undefined, 'x', ref).html, undefined);
  assert.throws(() => embedMarker('', '', 'T-000123'), /signed/);
});

test('the marker is found in our own mail and verifies for its channel only', () => {
  const found = findMarkers(DEFAULT_TOKEN_FORMAT, ours.html, ours.text);
  assert.deepEqual(found.map((m) => [m.ticketNumber, m.source]), [[123, 'html']], 'the same ticket once, HTML first');
  assert.ok(verifyToken(found[0]!, 'ch-1', [key]));
  assert.equal(verifyToken(found[0]!, 'ch-2', [key]), false);
});

/** Gmail's reply: our HTML re-sanitized (attributes and styles it does not keep dropped) inside its quote. */
function gmailQuote(html: string): string {
  const body = /<body>([\s\S]*)<\/body>/.exec(html)![1]!.replace(/ style="[^"]*"/g, '');
  return `<div dir="ltr">Thanks, still broken.</div><br><div class="gmail_quote"><div dir="ltr" class="gmail_attr">On Mon, 7 Dec 2026 at 10:00, Support &lt;support@example.com&gt; wrote:<br></div><blockquote class="gmail_quote" style="margin:0px 0px 0px 0.8ex;border-left:1px solid rgb(204,204,204);padding-left:1ex">${body}</blockquote></div>`;
}

/** Outlook desktop's reply: our mail re-rendered by Word (MsoNormal paragraphs, spans with inline styles) under its header block. */
function outlookQuote(text: string): string {
  const paragraphs = text.split('\n').filter(Boolean).map((l) => `<p class="MsoNormal"><span style="font-size:7.5pt;color:#9B9B9B">${l}<o:p></o:p></span></p>`);
  return `<html xmlns:o="urn:schemas-microsoft-com:office:office"><body lang="DE"><div class="WordSection1"><p class="MsoNormal">Danke!<o:p></o:p></p><div style="border:none;border-top:solid #E1E1E1 1.0pt"><p class="MsoNormal"><b>Von:</b> Support &lt;support@example.com&gt;<br><b>Gesendet:</b> Montag, 7. Dezember 2026 10:00<br><b>Betreff:</b> [#T-000123] Printer</p></div>${paragraphs.join('')}</div></body></html>`;
}

test('the marker survives a Gmail-style quote of the HTML, an Outlook/Word re-rendering, and a ">" plain-text quote', () => {
  for (const [name, html, text] of [
    ['gmail', gmailQuote(ours.html!), undefined],
    ['outlook', outlookQuote(ours.text), undefined],
    ['plain', undefined, `Still broken.\n\nOn Mon, Support wrote:\n${ours.text.split('\n').map((l) => `> ${l}`).join('\n')}`],
  ] as const) {
    const found = findMarkers(DEFAULT_TOKEN_FORMAT, html, text);
    assert.deepEqual(found.map((m) => m.ticketNumber), [123], name);
    assert.ok(verifyToken(found[0]!, 'ch-1', [key]), name);
  }
});

test('unsigned look-alikes and other formats are not markers; several tickets are each returned once', () => {
  assert.deepEqual(findMarkers(DEFAULT_TOKEN_FORMAT, '[ref:T-000123]', '[REF:T-000123-ab] [ref:X-000123-abcdefgh]'), []);
  const other = tokenRef(DEFAULT_TOKEN_FORMAT, 'ch-1', 7, key);
  const found = findMarkers(DEFAULT_TOKEN_FORMAT, `[ref:${ref}] [REF:${other.toUpperCase()}]`, `[ref:${ref}]`);
  assert.deepEqual(found.map((m) => [m.ticketNumber, m.source]), [[123, 'html'], [7, 'html']]);
});

// Sized so that a rescan from every "[" (quadratic) would hit the test timeout.
test('hostile bodies are searched in linear work: a million brackets, half-markers', () => {
  assert.deepEqual(findMarkers(DEFAULT_TOKEN_FORMAT, '['.repeat(1_000_000), '[ref:'.repeat(200_000)), []);
  assert.deepEqual(findMarkers(DEFAULT_TOKEN_FORMAT, `[ref:T-${'9'.repeat(1_000_000)}`, undefined), []);
});
