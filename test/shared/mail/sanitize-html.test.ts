import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { sanitizeMailHtml } from '../../../shared/mail/sanitize-html';

describe('sanitizeMailHtml', () => {
  test('formatting survives: emphasis, lists, tables, colours and fonts', () => {
    const html =
      '<p style="color: #c00; font-weight: bold; text-align: center">Alert</p>' +
      '<ul><li><b>one</b></li><li><i>two</i> <u>three</u></li></ul>' +
      '<table border="1" cellpadding="2"><tr><th colspan="2">Head</th></tr><tr><td>a</td><td style="background-color: yellow">b</td></tr></table>' +
      '<font face="Arial" color="blue">blue</font><blockquote type="cite">quoted</blockquote><pre>code</pre>';
    assert.equal(
      sanitizeMailHtml(html),
      '<p style="color:#c00;font-weight:bold;text-align:center">Alert</p>' +
        '<ul><li><b>one</b></li><li><i>two</i> <u>three</u></li></ul>' +
        '<table border="1" cellpadding="2"><tr><th colspan="2">Head</th></tr><tr><td>a</td><td style="background-color:yellow">b</td></tr></table>' +
        '<font face="Arial" color="blue">blue</font><blockquote type="cite">quoted</blockquote><pre>code</pre>',
    );
  });

  test('links open in a new tab with rel="noopener noreferrer", and only http, https and mailto are links', () => {
    assert.equal(
      sanitizeMailHtml('<a href="https://example.com/x?a=1&amp;b=2" target="_self" rel="opener">site</a> <a href="mailto:a@example.com">mail</a>'),
      '<a href="https://example.com/x?a=1&amp;b=2" target="_blank" rel="noopener noreferrer">site</a> <a href="mailto:a@example.com" target="_blank" rel="noopener noreferrer">mail</a>',
    );
    for (const href of ['javascript:alert(1)', 'JaVaScRiPt:alert(1)', 'jav&#x09;ascript:alert(1)', ' javascript:alert(1)', 'data:text/html,<script>alert(1)</script>', 'vbscript:msgbox', 'file:///etc/passwd', '//evil.example/x']) {
      const out = sanitizeMailHtml(`<a href="${href}">x</a>`);
      assert.ok(!/href/.test(out), `${href} must not survive: ${out}`);
    }
  });

  test('script, style, iframe, form, object and their content are gone', () => {
    const out = sanitizeMailHtml(
      '<script>alert(1)</script><style>body{display:none}</style><iframe src="https://evil.example"></iframe>' +
        '<form action="https://evil.example"><input name="pw"><button>Send</button></form><object data="x.swf"></object><embed src="x.swf">' +
        '<svg><script>alert(2)</script></svg><noscript>no</noscript><p>kept</p>',
    );
    assert.equal(out, 'Send<p>kept</p>');
  });

  test('event handlers, ids and classes are dropped', () => {
    assert.equal(sanitizeMailHtml('<div id="x" class="evil" onclick="a()" onmouseover="b()">t</div><img src="cid:a" onerror="c()">'), '<div>t</div><img src="cid:a" />');
  });

  test('images: cid and raster data URLs stay, SVG data URLs and remote images go unless asked for', () => {
    assert.equal(sanitizeMailHtml('<img src="cid:logo@x" alt="logo">'), '<img src="cid:logo@x" alt="logo" />');
    assert.equal(sanitizeMailHtml('<img src="data:image/png;base64,iVBORw0KGgo=">'), '<img src="data:image/png;base64,iVBORw0KGgo=" />');
    assert.equal(sanitizeMailHtml('<img src="data:image/svg+xml;base64,PHN2Zz4=">'), '');
    assert.equal(sanitizeMailHtml('<img src="https://tracker.example/p.gif">'), '');
    assert.equal(sanitizeMailHtml('<img src="https://cdn.example/logo.png">', { remoteImages: true }), '<img src="https://cdn.example/logo.png" />');
  });

  test('styles that could load or run something, or cover the page, are removed', () => {
    const out = sanitizeMailHtml('<div style="background: url(https://tracker.example/p.gif); color: red; width: expression(alert(1)); position: fixed; top: 0">x</div>');
    assert.equal(out, '<div style="color:red">x</div>');
  });
});
