import assert from 'node:assert/strict';
import { test } from 'node:test';
import { withoutBidiControls, withoutBidiFormatting, withoutFormatCharacters } from '../../../shared/mail/invisible-characters';
import { parseMail } from '../../../shared/mail/parse';

test('running text loses the bidi overrides, embeddings and isolates but keeps the marks right-to-left text needs', () => {
  assert.equal(withoutBidiFormatting('a\u202Eb\u202Ac\u2066d\u2069\u200F'), 'abcd\u200F');
});

test('names lose every bidi control; file names every invisible format character', () => {
  assert.equal(withoutBidiControls('Bank\u202E \u200Fsupport\u061C'), 'Bank support');
  assert.equal(withoutFormatCharacters('in\u200Bvoice\u00AD.e\uFEFFxe'), 'invoice.exe');
});

test('a sender\'s display name cannot reorder itself to pose as someone else', async () => {
  const raw = Buffer.from(['From: =?UTF-8?B?' + Buffer.from('IT Support \u202Emoc.knab@ecivres').toString('base64') + '?= <x@evil.example>', 'To: desk@example.com', 'Subject: hi', '', 'body', ''].join('\r\n'));
  const mail = await parseMail(raw);
  assert.equal(mail.from?.name, 'IT Support moc.knab@ecivres');
  assert.equal(mail.from?.address, 'x@evil.example');
});
