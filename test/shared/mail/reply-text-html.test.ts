import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { htmlFallbackText } from '../../../shared/mail/body-text';
import { parseMail } from '../../../shared/mail/parse';
import { htmlWithoutHistory } from '../../../shared/mail/reply/html-quote';
import { extractReplyHtml, extractReplyText } from '../../../shared/mail/reply-text';

const mime = (html: string, text?: string) =>
  Buffer.from(
    [
      'From: Anna <anna@example.org>',
      'To: desk@example.com',
      'Subject: Re: [#T-000123] Printer',
      'Message-ID: <r1@example.org>',
      'Date: Mon, 3 Jun 2024 10:20:00 +0200',
      'MIME-Version: 1.0',
      ...(text === undefined
        ? ['Content-Type: text/html; charset=utf-8', '', html]
        : ['Content-Type: multipart/alternative; boundary="b"', '', '--b', 'Content-Type: text/plain; charset=utf-8', '', text, '--b', 'Content-Type: text/html; charset=utf-8', '', html, '--b--']),
      '',
    ].join('\r\n'),
  );

describe('extractReplyHtml cuts at the clients’ quote markup', () => {
  const cases: [string, string][] = [
    ['Gmail', '<div dir="ltr">Works now.</div><br><div class="gmail_quote"><div class="gmail_attr">On Mon, Jun 3, 2024 Support wrote:<br></div><blockquote class="gmail_quote">old</blockquote></div>'],
    ['Apple Mail', '<div>Works now.</div><div><br><blockquote type="cite"><div>On 3 Jun 2024, Support wrote:</div>old</blockquote></div>'],
    ['Outlook on the web', '<div>Works now.</div><div id="appendonsend"></div><hr style="display:inline-block;width:98%"><div id="divRplyFwdMsg"><b>From:</b> Support</div><div>old</div>'],
    ['Outlook desktop (header block border)', '<div class="WordSection1"><p>Works now.</p><div style="border:none;border-top:solid #E1E1E1 1.0pt;padding:3.0pt 0cm 0cm 0cm"><p><b>From:</b> Support</p></div><p>old</p></div>'],
    ['Yahoo', '<div>Works now.</div><div class="yahoo_quoted"><div>On Monday, Support wrote:</div><div>old</div></div>'],
    ['Zimbra', '<div>Works now.<br><br><hr id="zwchr"><b>From: </b>Support<br>old</div>'],
  ];
  for (const [client, html] of cases) {
    test(`${client}: only the new text's HTML stays, sanitized`, () => {
      const out = extractReplyHtml(html);
      assert.match(out, /Works now\./);
      assert.doesNotMatch(out, /old|From:|wrote|class=|id=/);
    });
  }

  test('Thunderbird, bottom-posted: the quote (with its attribution div) goes, the answer below it stays', () => {
    const out = extractReplyHtml('<div class="moz-cite-prefix">Am 03.06.24 um 10:15 schrieb Support:</div><blockquote type="cite">old</blockquote><p>Ja, seit heute.</p>');
    assert.match(out, /Ja, seit heute\./);
    assert.doesNotMatch(out, /old|schrieb/);
  });

  test('answers between two quotes are interleaved: the HTML stays whole', () => {
    const html = '<blockquote type="cite">Does it print?</blockquote><p>No.</p><blockquote type="cite">Is it on?</blockquote><p>Yes.</p>';
    assert.match(extractReplyHtml(html), /Does it print\?[\s\S]*No\.[\s\S]*Is it on\?[\s\S]*Yes\./);
  });

  test('HTML without quote markup is only sanitized', () => {
    assert.equal(extractReplyHtml('<p onclick="x()">Hello</p><script>alert(1)</script>'), '<p>Hello</p>');
  });

  test('a cut that would leave no text keeps the whole HTML', () => {
    assert.match(extractReplyHtml('<div class="gmail_quote">only the quote</div>'), /only the quote/);
  });

  test('hostile HTML (thousands of quote containers and breaks) is cut in linear work', { timeout: 20_000 }, () => {
    const html = `<div>x</div>${'<br>'.repeat(200_000)}${'<div class="gmail_quote">q</div>a'.repeat(50_000)}${'<blockquote type=cite>q</blockquote>a'.repeat(50_000)}`;
    assert.equal(typeof extractReplyHtml(html), 'string');
  });

  test('markup nested deeper than 256 levels is not read on: nothing is cut, and the pass stays linear', { timeout: 20_000 }, () => {
    // htmlparser2 pays the current depth for every tag: 50,000 levels under 100,000 tags would be quadratic
    const html = `<div>x</div>${'<div>'.repeat(50_000)}${'<blockquote type=cite>q</blockquote>a'.repeat(50_000)}`;
    assert.equal(htmlWithoutHistory(html), undefined);
    assert.equal(htmlWithoutHistory(`<div>x</div>${'<div>'.repeat(200)}<div class="gmail_quote">q</div>`), '<div>x</div>' + '<div>'.repeat(200));
  });
});

describe('HTML without quote markup is cut where the text’s history starts', () => {
  test('AOL: the "-----Original Message-----" line and all below it go', () => {
    const html = '<font face="arial">Hello<br><br><div style="font-size:10pt">-----Original Message-----<br>From: bob &lt;bob@example.com&gt;<br>Sent: Mon, Apr 2, 2012 5:49 pm<br>Subject: Test<br><br>Hi</div></font>';
    const text = 'Hello\n\n-----Original Message-----\nFrom: bob <bob@example.com>\nSent: Mon, Apr 2, 2012 5:49 pm\nSubject: Test\n\nHi';
    const out = extractReplyHtml(html, undefined, text);
    assert.match(out, /Hello/);
    assert.doesNotMatch(out, /Original|bob|Hi</);
  });

  test('Hotmail: the HTML-escaped "> Subject:" quote goes', () => {
    const html = '<div dir="ltr">Hello<br><br><div>&gt; Subject: Test<br>&gt; From: bob@example.com<br>&gt; Hi<br></div></div>';
    const out = extractReplyHtml(html, undefined, 'Hello\n\n> Subject: Test\n> From: bob@example.com\n> Hi');
    assert.match(out, /Hello/);
    assert.doesNotMatch(out, /Subject|bob/);
  });

  test('a bottom-posted text answer leaves the HTML whole (the HTML shows no quote to cut around)', () => {
    const html = '<div>On Mon, Jun 3, 2024 Support &lt;s@example.com&gt; wrote:</div><div>&gt; old</div><div>new answer</div>';
    const out = extractReplyHtml(html, undefined, 'On Mon, Jun 3, 2024 Support <s@example.com> wrote:\n> old\nnew answer');
    assert.match(out, /old[\s\S]*new answer/);
  });

  test('a history line the HTML does not show leaves the HTML whole', () => {
    const out = extractReplyHtml('<p>Hello</p><p>Other words</p>', undefined, 'Hello\n\n-----Original Message-----\nFrom: a');
    assert.match(out, /Other words/);
  });
});

describe('an HTML-only reply is cut where its markup says, when its text shows no history', () => {
  test('Outlook on the web with the history below appendonsend', () => {
    const html = '<div>Thanks, it works.</div><div id="appendonsend"></div><div>The earlier message, as Outlook quotes it without marks.</div>';
    assert.equal(extractReplyText(htmlFallbackText(html, []), html), 'Thanks, it works.');
  });

  test('parseMail reports replyText and replyHtml for an HTML-only Gmail reply', async () => {
    const mail = await parseMail(mime('<div dir="ltr">Works now.</div><div class="gmail_quote"><blockquote class="gmail_quote">Please restart it.</blockquote></div>'));
    assert.equal(mail.replyText, 'Works now.');
    assert.match(mail.replyHtml ?? '', /Works now\./);
    assert.doesNotMatch(mail.replyHtml ?? '', /restart/);
  });

  test('a text part that differs from its HTML is cut by its own lines alone', async () => {
    const mail = await parseMail(mime('<div>Other words</div><div class="gmail_quote">q</div>', 'Hello,\n\nmy own plain text.'));
    assert.equal(mail.replyText, 'Hello,\n\nmy own plain text.');
  });

  test('a mail without HTML has no replyHtml', async () => {
    const mail = await parseMail(Buffer.from('From: a@example.org\r\nTo: b@example.com\r\nSubject: x\r\n\r\nHello\r\n'));
    assert.equal(mail.replyHtml, undefined);
  });
});
