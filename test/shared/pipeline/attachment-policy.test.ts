import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseMail } from '../../../shared/mail/parse';
import type { AttachmentInfo } from '../../../shared/mail/parsed-mail';
import { AttachmentPolicy, extensionsOf, judgeAttachment } from '../../../shared/pipeline/attachment-policy';
import { zip } from '../../support/zip';

const info = (filename: string, over: Partial<AttachmentInfo> = {}): AttachmentInfo => ({ filename, contentType: 'application/octet-stream', size: 100, inline: false, sha256: 'a'.repeat(64), ...over });
const verdict = (filename: string, over: Partial<AttachmentInfo> = {}) => judgeAttachment(info(filename, over)).blocked;

/** A raw mail with one attachment per entry, base64-encoded, names as RFC 2231 UTF-8 so any character survives. */
function mailWith(parts: { name: string; type: string; content: Buffer }[]): Buffer {
  const b = 'b_policy';
  const lines = ['From: Alice <alice@example.org>', 'To: desk@example.com', 'Subject: files', 'Message-ID: <p-1@example.org>', 'MIME-Version: 1.0', `Content-Type: multipart/mixed; boundary="${b}"`, '', `--${b}`, 'Content-Type: text/plain', '', 'See attached.', ''];
  for (const p of parts) {
    const name = `UTF-8''${encodeURIComponent(p.name)}`;
    lines.push(`--${b}`, `Content-Type: ${p.type}`, `Content-Disposition: attachment; filename*=${name}`, 'Content-Transfer-Encoding: base64', '', p.content.toString('base64'), '');
  }
  lines.push(`--${b}--`, '');
  return Buffer.from(lines.join('\r\n'));
}

const peProgram = () => {
  const b = Buffer.alloc(0x200);
  b.write('MZ', 0, 'latin1');
  b.writeUInt32LE(0x80, 0x3c);
  b.write('PE\0\0', 0x80, 'latin1');
  return b;
};

describe('attachment names as Windows reads them', () => {
  test('trailing dots and spaces, NTFS streams, NULs, fullwidth and look-alike dots, invisible characters and double extensions do not hide .exe', () => {
    for (const name of [
      'invoice.exe.', 'invoice.exe . . ', 'invoice.exe\u3000', 'file.exe::$DATA', 'file.exe:zone.txt', 'file.exe\0.txt', 'invoice\uFF0Eexe',
      'invoice\u3002exe', 'invoice\u2024exe', '\uFF49\uFF4E\uFF56\uFF4F\uFF49\uFF43\uFF45\uFF0E\uFF25\uFF38\uFF25', 'invoice\u202Efdp.exe',
      'invoice.e\u200Bxe', 'invoice.ex\u00ADe', 'invoice.pdf.exe', 'INVOICE.EXE', 'invoice.pdf                                   .exe',
    ]) {
      assert.ok(extensionsOf(name).includes('exe'), `${JSON.stringify(name)} reads as .exe: ${JSON.stringify(extensionsOf(name))}`);
      assert.match(verdict(name) ?? '', /file type \.exe is blocked/, JSON.stringify(name));
    }
  });

  test('a reason names a disguised file with its invisible characters spelled out, so the reason itself cannot be reordered', () => {
    assert.equal(verdict('invoice.exe.'), 'file type .exe is blocked (disguised in the name "invoice.exe.")');
    assert.equal(verdict('report.pdf', { nameAsSent: 'report\u202Efdp.exe' }), 'file type .exe is blocked (disguised in the name "report\\u202Efdp.exe")');
  });

  test('a name of 100,000 spaces and dots is read in linear work (no backtracking trim)', () => {
    const name = `a${' .'.repeat(50_000)}x`;
    assert.deepEqual(extensionsOf(name), ['x']);
  });
});

describe('the blocklist', () => {
  test('the types the review found allowed are blocked: .iso .img .vhd .vhdx .svg .html .htm .hta .lnk .js .one', () => {
    for (const ext of ['iso', 'img', 'vhd', 'vhdx', 'svg', 'html', 'htm', 'hta', 'lnk', 'js', 'one']) assert.match(verdict(`file.${ext}`) ?? '', new RegExp(`\\.${ext} is blocked`), ext);
  });

  test('it holds Exchange Online\'s default common attachment filter and Outlook\'s Level 1 staples', () => {
    const eop = 'ace ani apk app appx arj bat cab cmd com deb dex dll docm elf exe hta img iso jar jnlp kext lha lib library lnk lzh macho msc msi msix msp mst pif ppa ppam reg rev scf scr sct sys uif vb vbe vbs vxd wsc wsf wsh xll xz z';
    const outlook = 'ade adp chm cpl hlp inf ins isp jse msh pcd ps1 py pyw settingcontent-ms shb url vhdx website';
    for (const ext of `${eop} ${outlook}`.split(' ')) assert.ok(AttachmentPolicy.blockedExtensions.has(ext), ext);
  });

  test('ordinary documents, images, archives and mails pass', () => {
    for (const name of ['report.pdf', 'offer.docx', 'sheet.xlsx', 'slides.pptx', 'photo.jpg', 'scan.png', 'notes.txt', 'data.csv', 'logs.zip', 'forwarded.eml', 'winmail.dat', 'noextension', '.hidden.pdf']) {
      assert.equal(verdict(name), undefined, name);
    }
  });

  test('a declared executable, page or script type is blocked whatever the name', () => {
    for (const type of ['text/html', 'Image/SVG+XML; charset=utf-8', 'application/x-msdownload', 'application/javascript', 'application/x-iso9660-image']) {
      assert.match(verdict('harmless.dat', { contentType: type }) ?? '', /content type .* is blocked/, type);
    }
  });

  test('content decides as well as the name: sniffed programs, disk images and pages are blocked with what they are', () => {
    assert.equal(verdict('invoice.pdf', { sniffed: 'windows-executable' }), 'the content is a Windows program (MZ/PE), which is blocked');
    assert.equal(verdict('notes.txt', { sniffed: 'html' }), 'the content is an HTML page, which is blocked');
    assert.equal(verdict('backup.bin', { sniffed: 'disk-image-iso' }), 'the content is a disk image (ISO 9660/UDF), which is blocked');
  });

  test('a ZIP that holds a blocked file type, however disguised its name, is blocked; one of documents passes', () => {
    assert.equal(verdict('docs.zip', { archive: { extensions: ['pdf', 'exe'], truncated: false } }), 'the archive holds a .exe file, which is blocked');
    assert.equal(verdict('docs.zip', { archive: { extensions: ['pdf', 'docx'], truncated: false } }), undefined);
    assert.equal(verdict('docs.zip', { archive: { extensions: ['pdf'], truncated: true } }), 'the archive holds too many kinds of files to check');
  });

  test('attachments over the size limit are blocked', () => {
    assert.match(verdict('big.pdf', { size: AttachmentPolicy.maxBytes + 1 }) ?? '', /larger than 25 MB/);
  });
});

describe('from raw mail to verdict', () => {
  test('a renamed program, a disguised name, an HTML page sent as text, a ZIP hiding a program and a JAR are each blocked; a PDF and a ZIP of photos pass', async () => {
    const mail = await parseMail(
      mailWith([
        { name: 'invoice.exe.', type: 'application/octet-stream', content: peProgram() },
        { name: 'report\u202Efdp.exe', type: 'application/pdf', content: Buffer.from('%PDF-1.4 not really') },
        { name: 'invoice.pdf', type: 'application/pdf', content: peProgram() },
        { name: 'notes.txt', type: 'text/plain', content: Buffer.from('<html><body><script>location="https://evil.example"</script>') },
        { name: 'real.pdf', type: 'application/pdf', content: Buffer.from('%PDF-1.4\n%real') },
        { name: 'docs.zip', type: 'application/zip', content: zip([{ name: 'readme.pdf' }, { name: 'sub/invoice.pdf\u202Eexe.scr.' }]) },
        { name: 'lib.zip', type: 'application/zip', content: zip([{ name: 'META-INF/MANIFEST.MF' }, { name: 'a/Main.class' }]) },
        { name: 'photos.zip', type: 'application/zip', content: zip(Array.from({ length: 300 }, (_, i) => ({ name: `p${i}.jpg` }))) },
      ]),
    );
    const [trailingDot, rtl, renamed, page, real] = mail.attachments;
    assert.equal(rtl?.filename, 'reportfdp.exe', 'the name shown on the ticket has no override');
    assert.equal(rtl?.nameAsSent, 'report\u202Efdp.exe');
    assert.equal(renamed?.sniffed, 'windows-executable');
    assert.equal(page?.sniffed, 'html');
    assert.equal(real?.sniffed, undefined);
    assert.deepEqual(
      mail.attachments.map((a) => judgeAttachment(a).blocked),
      [
        'file type .exe is blocked (disguised in the name "invoice.exe.")',
        'file type .exe is blocked',
        'the content is a Windows program (MZ/PE), which is blocked',
        'the content is an HTML page, which is blocked',
        undefined,
        'the archive holds a .scr file, which is blocked',
        'the content is a Java program (JAR), which is blocked',
        undefined,
      ],
    );
    assert.equal(trailingDot?.sniffed, 'windows-executable');
  });
});
