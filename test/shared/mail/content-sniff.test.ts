import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { MAX_ZIP_ENTRIES, sniffContent, zipEntryNames } from '../../../shared/mail/content-sniff';
import { zip } from '../../support/zip';

/** Test samples: the smallest bytes each format is recognised by, as real files start. */
function withBytes(size: number, parts: [number, Buffer | number[] | string][]): Buffer {
  const buf = Buffer.alloc(size);
  for (const [offset, value] of parts) {
    const b = typeof value === 'string' ? Buffer.from(value, 'latin1') : Buffer.from(value);
    b.copy(buf, offset < 0 ? size + offset : offset);
  }
  return buf;
}
const guid = (hex: string) => Buffer.from(hex.replace(/ /g, ''), 'hex');

const pe = () => {
  const b = withBytes(0x200, [[0, 'MZ'], [0x80, [0x50, 0x45, 0, 0]]]);
  b.writeUInt32LE(0x80, 0x3c);
  return b;
};
/** An OLE compound file (512-byte sectors, directory in sector 0) whose root storage has `clsid`. */
const ole = (clsid: Buffer) => {
  const b = withBytes(0x600, [[0, [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]], [0x200 + 0x50, clsid]]);
  b.writeUInt16LE(9, 0x1e);
  b.writeUInt32LE(0, 0x30);
  return b;
};

describe('sniffContent', () => {
  test('programs are recognised by their bytes: Windows PE and DOS MZ, ELF, Mach-O, Java class / universal binary', () => {
    assert.equal(sniffContent(pe()), 'windows-executable');
    assert.equal(sniffContent(withBytes(0x40, [[0, 'MZ'], [2, [0x90, 0, 3, 0]]])), 'windows-executable', 'a DOS program without a PE header');
    assert.equal(sniffContent(withBytes(64, [[0, [0x7f, 0x45, 0x4c, 0x46, 2, 1, 1]]])), 'elf-executable');
    assert.equal(sniffContent(withBytes(64, [[0, [0xcf, 0xfa, 0xed, 0xfe]]])), 'mach-o-executable');
    assert.equal(sniffContent(withBytes(64, [[0, [0xca, 0xfe, 0xba, 0xbe]]])), 'java-class-or-mach-o-universal');
  });

  test('text that merely starts with "MZ" is not a program', () => {
    assert.equal(sniffContent(Buffer.from('MZ postcodes for the Mainz office, one per line, no binary header here at all......')), undefined);
  });

  test('a Windows Installer package is told apart from a Word document in the same OLE container', () => {
    assert.equal(sniffContent(ole(guid('84100C00 0000 0000 C000 000000000046'))), 'windows-installer', 'MSI');
    assert.equal(sniffContent(ole(guid('86100C00 0000 0000 C000 000000000046'))), 'windows-installer', 'MSP');
    assert.equal(sniffContent(ole(guid('06090200 0000 0000 C000 000000000046'))), undefined, 'a Word 97 document');
  });

  test('shortcuts, cabinets and OneNote sections are recognised', () => {
    assert.equal(sniffContent(withBytes(0x4c, [[0, guid('4C000000 01140200 00000000 C0000000 00000046')]])), 'windows-shortcut');
    assert.equal(sniffContent(Buffer.from('[InternetShortcut]\r\nURL=file://evil.example/share/x.exe\r\n')), 'internet-shortcut');
    assert.equal(sniffContent(withBytes(64, [[0, 'MSCF\0\0\0\0']])), 'cab-archive');
    assert.equal(sniffContent(withBytes(64, [[0, guid('E4525C7B 8CD8 A74D AEB1 5378D02996D3')]])), 'onenote');
  });

  test('disk images are recognised: ISO 9660 and UDF, VHD (fixed and dynamic), VHDX, VMDK, DMG', () => {
    assert.equal(sniffContent(withBytes(0x9000, [[0x8001, 'CD001']])), 'disk-image-iso');
    assert.equal(sniffContent(withBytes(0x9800, [[0x8801, 'NSR02']])), 'disk-image-iso');
    assert.equal(sniffContent(withBytes(4096, [[-512, 'conectix']])), 'disk-image-vhd');
    assert.equal(sniffContent(withBytes(4096, [[0, 'conectix']])), 'disk-image-vhd');
    assert.equal(sniffContent(withBytes(4096, [[0, 'vhdxfile']])), 'disk-image-vhdx');
    assert.equal(sniffContent(withBytes(4096, [[0, 'KDMV']])), 'disk-image-vmdk');
    assert.equal(sniffContent(withBytes(4096, [[-512, 'koly']])), 'disk-image-dmg');
  });

  test('HTML is recognised as browsers sniff it: after whitespace and a BOM, in any case, in UTF-16', () => {
    for (const page of ['<!DOCTYPE html><p>x', '  \r\n<HTML><body>', '<script>alert(1)</script>', '<p>Invoice', '<!-- x --><div>', '<iframe src=x>', '<hta:application id=x>']) {
      assert.equal(sniffContent(Buffer.from(page)), 'html', page);
    }
    assert.equal(sniffContent(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('<html>')])), 'html', 'UTF-8 BOM');
    assert.equal(sniffContent(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('<html>', 'utf16le')])), 'html', 'UTF-16LE BOM');
    assert.equal(sniffContent(Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from('<html>', 'utf16le').swap16()])), 'html', 'UTF-16BE BOM');
  });

  test('SVG and XML that renders or runs are recognised; plain XML data is not', () => {
    assert.equal(sniffContent(Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>')), 'svg');
    assert.equal(sniffContent(Buffer.from('<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>')), 'svg');
    assert.equal(sniffContent(Buffer.from('<?xml version="1.0"?><html xmlns="http://www.w3.org/1999/xhtml"><script/></html>')), 'html');
    assert.equal(sniffContent(Buffer.from('<?xml version="1.0"?><?xml-stylesheet type="text/xsl" href="x.xsl"?><r/>')), 'active-xml');
    assert.equal(sniffContent(Buffer.from('<?xml version="1.0"?><invoice><total>12.00</total></invoice>')), undefined);
  });

  test('ordinary documents, images and text are nothing active', () => {
    for (const sample of ['%PDF-1.4\n%âãÏÓ', '\x89PNG\r\n\x1a\n\0\0\0\rIHDR', 'PK\x03\x04\x14\0\x06\0', 'Hello,\r\nthe printer is jammed. <b>not at the start</b>', 'a,b,c\n1,2,3\n', '']) {
      assert.equal(sniffContent(Buffer.from(sample, 'latin1')), undefined, JSON.stringify(sample));
    }
  });

  test('program packages in ZIP form are recognised by their entries: JAR, APK, APPX/MSIX; an Office document is not one', () => {
    assert.equal(sniffContent(zip([{ name: 'META-INF/MANIFEST.MF' }, { name: 'com/evil/Main.class' }])), 'java-archive');
    assert.equal(sniffContent(zip([{ name: 'AndroidManifest.xml' }, { name: 'classes.dex' }])), 'android-package');
    assert.equal(sniffContent(zip([{ name: 'AppxManifest.xml' }, { name: 'app.exe' }])), 'windows-app-package');
    assert.equal(sniffContent(zip([{ name: '[Content_Types].xml' }, { name: 'word/document.xml' }])), undefined);
  });
});

describe('zipEntryNames', () => {
  test('reads the names of the central directory, behind an archive comment too', () => {
    assert.deepEqual(zipEntryNames(zip([{ name: 'a/report.pdf', content: Buffer.from('x') }, { name: 'setup.exe' }], { comment: 'PK\x05\x06 decoy' })), ['a/report.pdf', 'setup.exe']);
    assert.equal(zipEntryNames(Buffer.from('PK\x03\x04 but no directory at all........')), undefined);
  });

  test(`reads at most ${MAX_ZIP_ENTRIES} entries, however many the archive declares`, () => {
    const names = zipEntryNames(zip(Array.from({ length: MAX_ZIP_ENTRIES + 50 }, (_, i) => ({ name: `f${i}.txt` }))));
    assert.equal(names?.length, MAX_ZIP_ENTRIES);
  });
});
