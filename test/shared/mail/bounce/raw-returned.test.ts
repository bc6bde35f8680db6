import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_RAW_BYTES, rawReturnedMessageIds } from '../../../../shared/mail/bounce/raw-returned';
import { newWorkMeter } from '../../../../shared/mail/bounce/work-meter';

const mime = (parts: string[]) => Buffer.from(['Content-Type: multipart/report; boundary="B"', '', ...parts.flatMap((p) => ['--B', p]), '--B--', ''].join('\r\n'));

test('each returned-message part gives the Message-ID of its header block, whatever its part headers and folding', () => {
  const raw = mime([
    'Content-Type: text/plain\r\n\r\nMessage-ID: <not-a-part@x.example>',
    'Content-Type: message/rfc822\r\nContent-Disposition: inline\r\n\r\nFrom: a@x.example\r\nMessage-ID:\r\n <one@x.example>\r\n\r\nbody Message-ID: <body@x.example>',
    'Content-Type: text/rfc822-headers; charset=us-ascii\r\n\r\nMessage-Id: <two@x.example>',
  ]);
  assert.deepEqual(rawReturnedMessageIds(raw, newWorkMeter(), 10), ['one@x.example', 'two@x.example']);
  assert.deepEqual(rawReturnedMessageIds(raw, newWorkMeter(), 1), ['one@x.example'], 'at most the asked number of parts');
});

test('a part without its blank line, or a returned mail without a Message-ID, gives nothing', () => {
  assert.deepEqual(rawReturnedMessageIds(mime(['Content-Type: message/rfc822\r\nFrom: a@x.example']), newWorkMeter(), 10), []);
  assert.deepEqual(rawReturnedMessageIds(mime(['Content-Type: message/rfc822\r\n\r\nFrom: a@x.example\r\n\r\nhi']), newWorkMeter(), 10), []);
});

test('only the first MAX_RAW_BYTES and the first parts are read: the work is the same for 5 MB and 10 MB of returned parts without ids', () => {
  const unit = 'Content-Type: message/rfc822\n\n' + 'X: y\n'.repeat(400);
  const a = newWorkMeter();
  rawReturnedMessageIds(Buffer.from(unit.repeat(Math.ceil((5 * 1024 * 1024) / unit.length))), a, 10);
  const b = newWorkMeter();
  rawReturnedMessageIds(Buffer.from(unit.repeat(Math.ceil((10 * 1024 * 1024) / unit.length))), b, 10);
  assert.equal(a.chars, b.chars);
  assert.ok(a.chars <= 2 * MAX_RAW_BYTES, `${a.chars} characters for a ${MAX_RAW_BYTES}-byte window`);
});
