import { test } from 'node:test';
import assert from 'node:assert/strict';
import { limitHtmlDepth, MAX_HTML_DEPTH } from '../../../shared/mail/html-depth';
import { parseMail } from '../../../shared/mail/parse';

test('ordinary mail HTML passes unchanged', () => {
  const html = '<html><body><table><tr><td><p>Hi<br>there<p>again</td><td><ul><li>a<li>b</ul></td></tr></table><!-- <div><div> --><script>if (a<b) {}</script></body></html>';
  assert.deepEqual(limitHtmlDepth(html), { html, dropped: 0 });
});

test('start tags past the depth limit are dropped, their text kept', () => {
  const r = limitHtmlDepth(`${'<div>'.repeat(10)}deep${'</div>'.repeat(10)}`, 4);
  assert.equal(r.dropped, 6);
  assert.equal(r.html, `${'<div>'.repeat(4)}deep${'</div>'.repeat(10)}`);
});

test('elements with optional end tags count as htmlparser2 nests them: <li><p> pairs are bounded too', () => {
  // a <li> closes only an innermost <li>; after a <p> it nests (mailparser's own depth check skips both)
  const r = limitHtmlDepth(`<ul>${'<li><p>x'.repeat(1000)}`, 10);
  assert.ok(r.dropped > 900, `dropped ${r.dropped}`);
  assert.equal(limitHtmlDepth(r.html, 10).dropped, 0, 'what is left nests within the limit');
  assert.equal(r.html.split('x').length - 1, 1000, 'every text node is kept');
  // siblings that close each other never deepen
  assert.equal(limitHtmlDepth(`<ul>${'<li>x'.repeat(1000)}</ul>${'<p>y'.repeat(1000)}`, 10).dropped, 0);
});

test('self-closing syntax on elements that are not void still counts a level (a parser opens them)', () => {
  assert.equal(limitHtmlDepth('<div/>'.repeat(20), 5).dropped, 15);
  assert.equal(limitHtmlDepth('<br/><img src=x/>'.repeat(20), 5).dropped, 0);
});

test('quoted attribute values may hold > and < without ending or opening a tag', () => {
  const html = '<div title="a > b <div>"><span data-x=\'<p>\'>t</span></div>';
  assert.deepEqual(limitHtmlDepth(html, 2), { html, dropped: 0 });
});

test('a mail of 80,000 nested <li><p> pairs parses with its text and a warning, within the depth limit', async () => {
  const raw = Buffer.from(`From: a@example.com\r\nTo: b@example.com\r\nSubject: deep\r\nMessage-ID: <deep@example.com>\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<ul>${'<li><p>x'.repeat(80_000)}end\r\n`);
  const mail = await parseMail(raw);
  assert.match(mail.text, /^\* x/);
  assert.match(mail.text, /end$/);
  assert.ok(mail.warnings.some((w) => w.includes(`deeper than ${MAX_HTML_DEPTH} levels`)), mail.warnings.join('; '));
  // what the sanitizer kept nests no deeper than the limit
  let depth = 0;
  let max = 0;
  for (const m of (mail.html ?? '').matchAll(/<(\/?)(ul|li|p)\b/g)) {
    depth += m[1] ? -1 : 1;
    max = Math.max(max, depth);
  }
  assert.ok(max <= MAX_HTML_DEPTH, `nesting ${max}`);
});

test('HTML stored on a ticket through the API is depth-bounded as well', async () => {
  const { sanitizeTicketHtml } = await import('../../../shared/tickets/html');
  const out = sanitizeTicketHtml(`${'<div>'.repeat(50_000)}deep`);
  assert.match(out, /deep/);
  assert.equal(limitHtmlDepth(out).dropped, 0);
});
