import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { extractReplyText } from '../../../shared/mail/reply-text';

const lines = (...l: string[]) => l.join('\n');
const reply = 'Passt, danke.';

describe('quoted Outlook header blocks, localized, are cut with the history below', () => {
  const blocks: [string, string[]][] = [
    ['Dutch', ['Van: Support <s@example.com>', 'Verzonden: maandag 3 juni 2024 10:15', 'Aan: mij', 'Onderwerp: x']],
    ['Norwegian', ['Fra: Support <s@example.com>', 'Sendt: mandag 3. juni 2024 10:15', 'Til: meg', 'Emne: x']],
    ['Danish', ['Fra: Support <s@example.com>', 'Sendt: 3. juni 2024 10:15', 'Til: mig', 'Emne: x']],
    ['Swedish', ['Från: Support <s@example.com>', 'Skickat: den 3 juni 2024 10:15', 'Till: mig', 'Ämne: x']],
    ['Polish', ['Od: Support <s@example.com>', 'Wysłano: poniedziałek, 3 czerwca 2024 10:15', 'Do: mnie', 'Temat: x']],
    ['Russian', ['От: Support <s@example.com>', 'Отправлено: 3 июня 2024 г. 10:15', 'Кому: мне', 'Тема: x']],
    ['Ukrainian', ['Від: Support <s@example.com>', 'Надіслано: 3 червня 2024 р. 10:15', 'Кому: мені', 'Тема: x']],
    ['Italian', ['Da: Support <s@example.com>', 'Inviato: lunedì 3 giugno 2024 10:15', 'A: me', 'Oggetto: x']],
    ['Portuguese', ['De: Support <s@example.com>', 'Enviada: segunda-feira, 3 de junho de 2024 10:15', 'Para: mim', 'Assunto: x']],
    ['Finnish', ['Lähettäjä: Support <s@example.com>', 'Lähetetty: maanantai 3. kesäkuuta 2024 10.15', 'Vastaanottaja: minä', 'Aihe: x']],
    ['Czech', ['Od: Support <s@example.com>', 'Odesláno: pondělí 3. června 2024 10:15', 'Komu: mně', 'Předmět: x']],
    ['Turkish', ['Kimden: Support <s@example.com>', 'Gönderildi: 3 Haziran 2024 Pazartesi 10:15', 'Kime: bana', 'Konu: x']],
    ['Japanese', ['差出人: Support <s@example.com>', '送信日時: 2024年6月3日 10:15', '宛先: 私', '件名: x']],
    ['Chinese (full-width colons)', ['发件人： Support <s@example.com>', '发送时间： 2024年6月3日 10:15', '收件人： 我', '主题： x']],
    ['English, bold stars and a wrapped From', ['*From:* Support [mailto:', 's@example.com]', '*Sent:* Monday, June 3, 2024 10:15 AM', '*To:* me', '*Subject:* x']],
    ['French, two fields on one line', ['De : Support <s@example.com>', 'Date : 03/06/24 10:15 (GMT+01:00)', 'À : moi Objet : x']],
    ['webmail forward starting with the date', ['Date: Mon, 3 Jun 2024 10:15:00 +0200', 'To: me@example.com']],
  ];
  for (const [language, block] of blocks) {
    test(`${language}`, () => assert.equal(extractReplyText(lines(reply, '', ...block, '', 'old text')), reply));
  }

  test("Outlook's rule of underscores above the block goes with it", () =>
    assert.equal(extractReplyText(lines(reply, '________________________________', 'From: Support <s@example.com>', 'Sent: Monday, June 3, 2024 10:15', 'To: me', 'Subject: x', '', 'old')), reply));

  test('a From: and a Subject: of the customer’s own, with no date, are kept', () => {
    const text = lines('From: the accounts team', 'Subject: the March invoice', '', 'it is still wrong.');
    assert.equal(extractReplyText(text), text);
  });
});

describe('attributions in many languages and forms are cut with the quote', () => {
  const attributions: [string, string][] = [
    ['Norwegian', 'På 3. juni 2024 kl. 10:15 skrev Support <s@example.com>:'],
    ['Swedish', 'Den 3 juni 2024 10:15 skrev Support (s@example.com):'],
    ['Danish', 'Den 3. jun. 2024 kl. 10.15 skrev Support <s@example.com>:'],
    ['Polish', 'W dniu 3.06.2024 o 10:15, Support pisze:'],
    ['Polish (Gmail)', 'pon., 3 cze 2024 o 10:15 Support <s@example.com> napisał(a):'],
    ['Russian', '3 июня 2024 г., в 10:15, Support <s@example.com> написал(а):'],
    ['Russian without a verb (Yandex)', '03.06.2024, 10:15, "Support" <s@example.com>:'],
    ['Chinese', '在 2024年6月3日 10:15，Support <s@example.com> 写道：'],
    ['Japanese without a verb', '2024年6月3日(月) 10:15 Support <s@example.com>:'],
    ['Dutch (Apple Mail)', 'Op 3 jun. 2024, om 10:15 heeft Support <s@example.com> het volgende geschreven:'],
    ['Czech', 'Dne 3. 6. 2024 v 10:15 Support <s@example.com> napsal(a):'],
    ['Turkish', 'Support <s@example.com>, 3 Haz 2024 Pzt, 10:15 tarihinde şunu yazdı:'],
    ['Hungarian', 'Support <s@example.com> ezt írta (időpont: 2024. jún. 3., H, 10:15):'],
    ['Finnish', 'ma 3. kesäk. 2024 klo 10.15 Support <s@example.com> kirjoitti:'],
    ['Zoho, framed in dashes', '---- On Mon, 03 Jun 2024 10:15:00 +0200 s@example.com wrote ----'],
    ['ISO date and a name', '2024-06-03 10:15 GMT+02:00 Support <s@example.com>:'],
  ];
  for (const [language, line] of attributions) {
    test(language, () => assert.equal(extractReplyText(lines(reply, '', line, '', '> old', '> text')), reply));
  }

  test('Gmail wraps a long attribution over three lines', () =>
    assert.equal(extractReplyText(lines(reply, '', 'On Mon, Jun 3, 2024 at 10:15 AM Support Team of a Long Name <', 'support-with-a-long-address@example.com>', 'wrote:', '', '> old')), reply));

  test('an attribution at the end of the reply’s last line is cut off that line', () =>
    assert.equal(extractReplyText(lines('Works now. On Mon, Jun 3, 2024 at 10:15 AM, s@example.com wrote:', '> old')), 'Works now.'));

  test('an address inside the sentence, not right before the verb, makes no attribution', () => {
    const text = lines('I mailed bob@example.com about it and he wrote:', 'the server is down until Monday.');
    assert.equal(extractReplyText(text), text);
  });

  test('a line that merely ends in "wrote:" with no date, address or quote below is kept', () => {
    const text = lines('Here is what my colleague wrote:', 'the printer is broken.');
    assert.equal(extractReplyText(text), text);
  });
});

describe('bottom-posted and wrapped replies keep their new text', () => {
  test('Thunderbird, German business style: the answer below the quote is the reply, its signature cut', () =>
    assert.equal(extractReplyText(lines('Am 03.06.2024 um 10:15 schrieb Support:', '> Ist das Problem behoben?', '>', '> Gruß, Support', '', 'Ja, seit heute morgen.', '', 'Gruß', 'Jürgen', '', '-- ', 'Jürgen Müller, Example GmbH')), lines('Ja, seit heute morgen.', '', 'Gruß', 'Jürgen')));

  test('text above and below the quote is kept, the quote between them goes', () =>
    assert.equal(extractReplyText(lines('See below.', 'On Mon, Jun 3, 2024 at 10:15 AM Support <s@example.com> wrote:', '> Is it fixed?', 'Yes, since this morning.')), lines('See below.', 'Yes, since this morning.')));

  test('a mailing list footer under the quote is not taken for an answer', () =>
    assert.equal(extractReplyText(lines(reply, '', 'On Mon, Jun 3, 2024 at 10:15 AM Support <s@example.com> wrote:', '> old', '', '__', 'users mailing list', 'https://lists.example.com/users')), reply));

  test('answers interleaved with the quotes are kept whole, attribution included', () => {
    const text = lines('My answers inline:', 'On Mon, Jun 3, 2024 at 10:15 AM Support <s@example.com> wrote:', '> Does it print?', 'No.', '> Is it on?', 'Yes.');
    assert.equal(extractReplyText(text), text);
  });

  test('a link wrapped out of a quote does not split it into interleaved answers', () =>
    assert.equal(extractReplyText(lines(reply, '', 'On Mon, Jun 3, 2024 at 10:15 AM, Support wrote:', '> View ticket (http://example.com/action', '_nonce=3dd518)', '> thanks')), reply));
});

describe('forwarded-message separators and delimiter lines', () => {
  const separators: [string, string[]][] = [
    ['Gmail', ['---------- Forwarded message ---------', 'From: Support <s@example.com>']],
    ['Danish Outlook', ['-------- Oprindelig besked --------', 'Fra: Support <s@example.com>']],
    ['Russian', ['-------- Пересылаемое сообщение --------', 'От: Support <s@example.com>']],
    ['a title not in the list, above a header field', ['----- Reenviado -----', 'De: Support <s@example.com>']],
    ['Apple Mail', ['Begin forwarded message:', '', 'From: Support <s@example.com>']],
    ['AOL and Yahoo', ['----- Original Message -----', 'From: Support <s@example.com>']],
  ];
  for (const [client, block] of separators) {
    test(client, () => assert.equal(extractReplyText(lines(reply, '', ...block, 'old')), reply));
  }

  test('a rule of dashes inside the reply is no separator', () => {
    const text = lines('Steps:', '-----', '1. restart', '2. print');
    assert.equal(extractReplyText(text), text);
  });
});

describe('mobile and webmail client signatures are cut', () => {
  const signatures = [
    'Sent from my iPhone', 'Von meinem iPhone gesendet', 'Envoyé de mon iPhone', 'Enviado desde mi iPhone', 'Inviato da iPhone',
    'Verzonden vanaf mijn iPhone', 'Sent from Outlook for Android', 'Get Outlook for iOS<https://aka.ms/o0ukef>', 'Sent from my Galaxy',
    'Sent from Yahoo Mail on Android', 'Gesendet von Outlook für Android<https://aka.ms/AAb9ysg>', 'Télécharger Outlook pour iOS',
    'Skickat från min iPhone', 'Sendt fra min iPhone', 'Wysłane z iPhone’a', 'Отправлено с iPhone',
  ];
  for (const signature of signatures) {
    test(signature, () => assert.equal(extractReplyText(lines(reply, '', signature, '', 'On Mon, Jun 3, 2024 at 10:15 AM Support wrote:', '> old')), reply));
  }

  test('at the very end of a reply', () => assert.equal(extractReplyText(lines(reply, '', 'Sent from my iPhone')), reply));

  test('a sign-off that names no client ("Sent with love") is kept', () => {
    const text = lines('Thanks for the quick fix!', '', 'Sent with love from Berlin', 'Anna');
    assert.equal(extractReplyText(text), text);
  });

  test('a sentence of the customer’s that starts with "Sent from" is kept', () => {
    const text = lines('Sent from my iPhone the photos do not arrive,', 'from the laptop they do.');
    assert.equal(extractReplyText(text), text);
  });
});

describe('reply trimming reads hostile input in linear work', () => {
  // Each input is sized so that quadratic work would run far past the timeout.
  const big = 400_000;
  const hostile: [string, string][] = [
    ['one long line of attribution starts', `${'On 1 '.repeat(big / 5)}wrote:`],
    ['one long line of addresses before a verb', `${'a@b '.repeat(big / 4)}wrote:\n> q`],
    ['many header-looking lines', 'From: x\n'.repeat(big / 8)],
    ['many wrapped From lines', 'From: x\nFrom: y <\n'.repeat(big / 18)],
    ['many dated lines ending in a colon', '1.1.2024 10:15 a <a@b>:\n'.repeat(big / 24)],
    ['interleaved quotes', '> q\nanswer\n'.repeat(big / 11)],
    ['quote lines with wrapped links', '> q\n_x=1\n'.repeat(big / 10)],
    ['rules and blanks', '-----\n\n'.repeat(big / 7)],
    ['client signatures', 'Sent from my iPhone\nx\n'.repeat(big / 22)],
    ['dashes around nothing', `${'-'.repeat(big)}On 1 wrote:`],
  ];
  for (const [name, text] of hostile) {
    test(name, { timeout: 20_000 }, () => {
      assert.ok(typeof extractReplyText(`ok\n${text}`) === 'string');
    });
  }
});
