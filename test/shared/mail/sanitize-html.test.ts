import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { bareMailto, sanitizeMailHtml } from '../../../shared/mail/sanitize-html';

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

describe('sanitizeMailHtml: content cannot move, cover or impersonate the page around it', () => {
  test('inline styles that move or cover content go: huge sizes, negative margins, position, z-index, transform, huge fonts and borders', () => {
    const hostile = [
      'width:9999px', 'margin:-500px', 'margin-left:-500px', 'position:absolute', 'position:fixed', 'top:0', 'left:-100px', 'z-index:9999',
      'transform:scale(50)', 'font-size:500px', 'font-size:40em', 'font:900px Arial', 'border:500px solid red', 'padding:900px', 'height:5000px',
      'line-height:900px', 'text-indent:-9999px', 'letter-spacing:-5px', 'float:left', 'display:none', 'opacity:0', 'min-width:100000px',
      'unicode-bidi:bidi-override', 'margin:0 -500px', 'width:calc(100% + 9999px)',
    ];
    for (const style of hostile) assert.equal(sanitizeMailHtml(`<div style="${style}; color: red">x</div>`), '<div style="color:red">x</div>', style);
  });

  test('the styles newsletters and signatures use survive', () => {
    const style = 'margin:0 auto;padding:4px 8px;width:600px;max-width:100%;font-size:14px;font-family:Arial, \'Segoe UI\', sans-serif;border:1px solid #ccc;line-height:1.4;background-color:rgb(240, 240, 240)';
    assert.equal(sanitizeMailHtml(`<div style="${style}">x</div>`), `<div style="${style}">x</div>`);
  });

  test('width and height attributes are bounded: a 9999-pixel table loses them, a 50% cell keeps them', () => {
    assert.equal(sanitizeMailHtml('<table width="9999" height="5000"><tr><td width="50%">a</td></tr></table>'), '<table><tr><td width="50%">a</td></tr></table>');
    assert.equal(sanitizeMailHtml('<img src="cid:logo" width="120" height="40000">'), '<img src="cid:logo" width="120" />');
  });

  test('name and id attributes are removed, so mail cannot clobber the page\'s globals', () => {
    assert.equal(
      sanitizeMailHtml('<a name="getElementById" id="config" href="https://example.com/">x</a><img name="cookie" id="x" src="cid:a"><p id="app" name="app">p</p>'),
      '<a href="https://example.com/" target="_blank" rel="noopener noreferrer">x</a><img src="cid:a" /><p>p</p>',
    );
  });

  test('bidi overrides are taken out of link texts, text and titles, and <bdo> no longer reverses text', () => {
    assert.equal(
      sanitizeMailHtml('<a href="https://evil.example/">\u202Emoc.elgoog.www//:sptth</a> pay&#x202E;fdp.exe <span title="\u2067x\u2069">t</span>'),
      '<a href="https://evil.example/" target="_blank" rel="noopener noreferrer">moc.elgoog.www//:sptth</a> payfdp.exe <span title="x">t</span>',
    );
    assert.equal(sanitizeMailHtml('<bdo dir="rtl">exe.pdf</bdo>'), '<span>exe.pdf</span>');
  });

  test('mailto links keep only the address: no bcc, cc, subject or body a click would pre-fill', () => {
    const link = (href: string) => sanitizeMailHtml(`<a href="${href}">mail</a>`);
    assert.equal(link('mailto:help@example.com?bcc=attacker@evil.example&amp;body=password%3A'), '<a href="mailto:help@example.com" target="_blank" rel="noopener noreferrer">mail</a>');
    assert.equal(link('MAILTO:help@example.com?cc=x@evil.example'), '<a href="mailto:help@example.com" target="_blank" rel="noopener noreferrer">mail</a>');
    assert.equal(link('mailto:?to=help@example.com&amp;bcc=attacker@evil.example'), '<a>mail</a>');
  });

  test('srcset, background attributes, base, meta refresh, forms and CSS url() or expression() are gone', () => {
    const out = sanitizeMailHtml(
      '<base href="https://evil.example/"><meta http-equiv="refresh" content="0;url=https://evil.example/">' +
        '<img src="cid:a" srcset="https://tracker.example/x.png 2x"><table background="https://tracker.example/bg.png"><tr><td background="x.png">c</td></tr></table>' +
        '<form action="https://evil.example/"><input name="password"></form>' +
        '<div style="background-image:url(https://tracker.example/p.gif);background:url(x);width:expression(alert(1));color:\\72 ed;list-style-type:url(x)">d</div>',
    );
    assert.equal(out, '<img src="cid:a" /><table><tr><td>c</td></tr></table><div>d</div>');
  });

  test('remote images are not loaded: only cid: and raster data: images stay by default', () => {
    assert.equal(sanitizeMailHtml('<img src="https://tracker.example/p.gif"><img src="http://x.example/a.png"><img src="cid:ok">'), '<img src="cid:ok" />');
  });
});

describe('bareMailto', () => {
  test('a mailto URL is cut to its addresses; other URLs are left alone', () => {
    assert.equal(bareMailto('mailto:a@example.com,b@example.com?subject=x'), 'mailto:a@example.com,b@example.com');
    assert.equal(bareMailto('mailto:a@example.com#frag'), 'mailto:a@example.com');
    assert.equal(bareMailto('https://example.com/?mailto:x'), 'https://example.com/?mailto:x');
  });
});
