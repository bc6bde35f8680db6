import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parse } from 'content-disposition';
import { downloadHeaders, safeContentType } from '../../../shared/admin/attachments';

test('a download is always an attachment, never sniffed, and sandboxed if a browser renders it anyway', () => {
  const h = downloadHeaders({ filename: 'invoice.pdf', contentType: 'application/pdf' }, 3000);
  assert.equal(h['content-type'], 'application/pdf');
  assert.equal(h['content-length'], '3000');
  assert.equal(h['x-content-type-options'], 'nosniff');
  assert.equal(h['content-security-policy'], "sandbox; default-src 'none'");
  const disposition = parse(h['content-disposition']!);
  assert.equal(disposition.type, 'attachment');
  assert.equal(disposition.parameters.filename, 'invoice.pdf');
});

test('active or unknown types are served as application/octet-stream, never as HTML, SVG or script', () => {
  for (const t of ['text/html', 'TEXT/HTML; charset=utf-8', 'image/svg+xml', 'application/xhtml+xml', 'text/xml', 'application/javascript', 'application/x-unknown', 'text/html\r\nSet-Cookie: a=b', '']) {
    assert.equal(safeContentType(t), 'application/octet-stream', JSON.stringify(t));
  }
  assert.equal(safeContentType('Image/PNG; name="x.png"'), 'image/png');
  assert.equal(safeContentType('text/plain; charset=iso-8859-1'), 'text/plain');
});

test('file names cannot break or inject into the Content-Disposition header; non-ASCII names use RFC 5987 with an ASCII fallback', () => {
  const cases: [string, string][] = [
    ['bad"name.txt', 'bad"name.txt'],
    ['line\r\nSet-Cookie: x=1.txt', 'line\r\nSet-Cookie: x=1.txt'],
    ['semi;colon=1.txt', 'semi;colon=1.txt'],
    ['Rechnung März €.pdf', 'Rechnung März €.pdf'],
    ['rev\u202Efdp.txt', 'revfdp.txt'],
  ];
  for (const [filename, shown] of cases) {
    const header = downloadHeaders({ filename, contentType: 'text/plain' }, 1)['content-disposition']!;
    assert.ok(!/[\r\n]/.test(header) && /^[\x20-\x7e]+$/.test(header), `header stays one printable ASCII line: ${JSON.stringify(header)}`);
    assert.equal(parse(header).parameters.filename, shown, filename);
  }
  assert.match(downloadHeaders({ filename: 'Rechnung März €.pdf', contentType: 'application/pdf' }, 1)['content-disposition']!, /filename="Rechnung M\?rz \?\.pdf"; filename\*=UTF-8''Rechnung%20M%C3%A4rz%20%E2%82%AC\.pdf/);
});
