import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { parseMail } from '../../../shared/mail/parse';
import { extractReplyText } from '../../../shared/mail/reply-text';

const fixture = (name: string) => fs.readFileSync(path.resolve(__dirname, '../../fixtures/mail', name));
const lines = (...l: string[]) => l.join('\n');

describe('extractReplyText on real-shaped replies', () => {
  test('an Outlook reply loses the "From: … Sent: …" block and the history below it', async () => {
    const mail = await parseMail(fixture('outlook-reply.eml'));
    assert.equal(mail.replyText, lines('Hello,', '', 'the printer still shows "paper jam" although there is no paper in it.', 'I restarted it twice this morning.', '', 'Kind regards', 'Jane'));
  });

  test('a Gmail reply loses its wrapped "On … wrote:" line and the quote', async () => {
    const mail = await parseMail(fixture('gmail-reply.eml'));
    assert.equal(mail.replyText, lines('Hi,', '', 'thanks, the VPN works now. One more thing: can I also get access to the', 'shared drive “Finance”?', '', 'Max'));
  });

  test('an Apple Mail reply loses the quoted history', async () => {
    const mail = await parseMail(fixture('apple-mail-reply.eml'));
    assert.equal(mail.replyText, lines('Hello,', '', 'the corrected invoice still lists 12 licences instead of 10.', '', 'Best,', 'Anna'));
  });
});

describe('extractReplyText, client by client', () => {
  const reply = 'Danke, das hat geholfen.';
  const cases: [string, string][] = [
    ['Outlook, English separator', lines(reply, '', '-----Original Message-----', 'From: Support <s@example.com>', 'Sent: Monday, June 3, 2024 10:15', 'To: me', 'Subject: x', '', 'old')],
    ['Outlook, German separator', lines(reply, '', '-----Ursprüngliche Nachricht-----', 'Von: Support <s@example.com>', 'Gesendet: Montag, 3. Juni 2024 10:15', 'An: ich', 'Betreff: x', '', 'alt')],
    ['Outlook, German header block', lines(reply, '', 'Von: Support <s@example.com>', 'Gesendet: Montag, 3. Juni 2024 10:15', 'An: ich', 'Betreff: AW: x', '', 'alt')],
    ['Outlook, French header block', lines(reply, '', 'De : Support <s@example.com>', 'Envoyé : lundi 3 juin 2024 10:15', 'À : moi', 'Objet : x', '', 'ancien')],
    ['Outlook, Spanish header block', lines(reply, '', 'De: Support <s@example.com>', 'Enviado el: lunes, 3 de junio de 2024 10:15', 'Para: yo', 'Asunto: x', '', 'viejo')],
    ['Gmail, English', lines(reply, '', 'On Mon, Jun 3, 2024 at 10:15 AM Support <s@example.com> wrote:', '', '> old')],
    ['Thunderbird, German', lines(reply, '', 'Am 03.06.24 um 10:15 schrieb Support:', '> alt')],
    ['Gmail, German', lines(reply, '', 'Am Mo., 3. Juni 2024 um 10:15 Uhr schrieb Support <s@example.com>:', '', '> alt')],
    ['Gmail, French', lines(reply, '', 'Le lun. 3 juin 2024 à 10:15, Support <s@example.com> a écrit :', '', '> ancien')],
    ['Gmail, Spanish', lines(reply, '', 'El lun, 3 jun 2024 a las 10:15, Support (<s@example.com>) escribió:', '', '> viejo')],
    ['Gmail, Italian', lines(reply, '', 'Il giorno lun 3 giu 2024 alle ore 10:15 Support <s@example.com> ha scritto:', '', '> vecchio')],
    ['Gmail, Dutch', lines(reply, '', 'Op ma 3 jun. 2024 om 10:15 schreef Support <s@example.com>:', '', '> oud')],
    ['Gmail, Portuguese', lines(reply, '', 'Em seg., 3 de jun. de 2024 às 10:15, Support <s@example.com> escreveu:', '', '> antigo')],
    ['Apple Mail, German', lines(reply, '', '> Am 03.06.2024 um 10:15 schrieb Support <s@example.com>:', '>', '> alt')],
    ['Apple Mail, forward', lines(reply, '', 'Begin forwarded message:', '', 'From: Support <s@example.com>', 'old')],
    ['plain quote', lines(reply, '', '> old line', '> another')],
    ['signature', lines(reply, '', '-- ', 'Jürgen Müller', 'Example GmbH')],
    ['signature without the trailing blank', lines(reply, '', '--', 'Jürgen Müller')],
  ];
  for (const [name, text] of cases) {
    test(`${name}: only the new text stays`, () => assert.equal(extractReplyText(text), reply));
  }

  test('CRLF line ends are handled like LF', () => assert.equal(extractReplyText(`${reply}\r\n\r\n> old\r\n`), reply));
});

describe('extractReplyText is conservative', () => {
  test('interleaved answers between quotes are kept whole', () => {
    const text = lines('> Does the printer show an error?', 'Yes, "paper jam".', '> Did you restart it?', 'Twice.');
    assert.equal(extractReplyText(text), text);
  });

  test('a mail that is all quote returns its full text, never nothing', () => {
    const text = lines('> only quoted', '> text');
    assert.equal(extractReplyText(text), text);
    assert.equal(extractReplyText(lines('-----Original Message-----', 'From: a', 'Sent: b', 'To: c', 'old')), lines('-----Original Message-----', 'From: a', 'Sent: b', 'To: c', 'old'));
  });

  test('a sentence starting with "On" or mentioning "From:" is not a quote header', () => {
    const text = lines('On Monday we moved the printer to room 2.', 'From: the old room, it wrote: nothing.', 'Please check.');
    assert.equal(extractReplyText(text), text);
  });

  test('an empty mail stays empty', () => assert.equal(extractReplyText(''), ''));

  test('HTML quote markup lets a bare "From:" block count', () => {
    const text = lines('Fine now.', '', 'From: Support <s@example.com>', 'Subject: x', '', 'old');
    assert.equal(extractReplyText(text), text, 'without HTML evidence two header lines are not enough');
    assert.equal(extractReplyText(text, '<div id="divRplyFwdMsg">From: Support</div>'), 'Fine now.');
  });
});
