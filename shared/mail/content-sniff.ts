import { z } from 'zod';

/**
 * What an attachment's content really is, from its bytes, whatever its name and declared
 * type say — only for content that runs, mounts or renders actively when opened. A file
 * named `report.pdf` that starts with `MZ` is a Windows program; a `notes.txt` that
 * starts with `<html>` renders as a page.
 *
 * Bounded and linear: each check reads a fixed number of bytes at fixed offsets (the
 * text checks look at the first `TEXT_HEAD_BYTES` only), so a 25 MB attachment costs
 * the same as a 1 KB one. No regular expression runs on the content.
 *
 * Hand-written rather than `file-type` (ESM-only, and it tells neither an MSI from a
 * Word document nor an HTML page from text): the signatures below are the published
 * ones for each format.
 */
export const SniffedType = z.enum([
  'windows-executable',
  'elf-executable',
  'mach-o-executable',
  'java-class-or-mach-o-universal',
  'windows-installer',
  'windows-shortcut',
  'internet-shortcut',
  'cab-archive',
  'disk-image-iso',
  'disk-image-vhd',
  'disk-image-vhdx',
  'disk-image-vmdk',
  'disk-image-dmg',
  'onenote',
  'java-archive',
  'windows-app-package',
  'android-package',
  'html',
  'svg',
  'active-xml',
]);
export type SniffedType = z.infer<typeof SniffedType>;

/** How each type is named in a blocked attachment's reason. */
export const sniffedTypeLabel: Record<SniffedType, string> = {
  'windows-executable': 'a Windows program (MZ/PE)',
  'elf-executable': 'a Linux program (ELF)',
  'mach-o-executable': 'a macOS program (Mach-O)',
  'java-class-or-mach-o-universal': 'a Java class or macOS universal program',
  'windows-installer': 'a Windows Installer package (MSI/MSP/MST)',
  'windows-shortcut': 'a Windows shortcut (LNK)',
  'internet-shortcut': 'an Internet shortcut (URL/SCF)',
  'cab-archive': 'a Windows cabinet (CAB)',
  'disk-image-iso': 'a disk image (ISO 9660/UDF)',
  'disk-image-vhd': 'a virtual disk (VHD)',
  'disk-image-vhdx': 'a virtual disk (VHDX)',
  'disk-image-vmdk': 'a virtual disk (VMDK)',
  'disk-image-dmg': 'a macOS disk image (DMG)',
  onenote: 'a OneNote section',
  'java-archive': 'a Java program (JAR)',
  'windows-app-package': 'a Windows app package (APPX/MSIX)',
  'android-package': 'an Android app (APK)',
  html: 'an HTML page',
  svg: 'an SVG image (can carry script)',
  'active-xml': 'XML that renders as a page or runs a stylesheet',
};

/** How much of a text-like file is examined: the WHATWG MIME sniffing "resource header" size. */
export const TEXT_HEAD_BYTES = 1445;

const bytes = (...b: number[]) => Buffer.from(b);
const ascii = (s: string) => Buffer.from(s, 'latin1');

function at(buf: Buffer, offset: number, sig: Buffer): boolean {
  return offset >= 0 && offset + sig.length <= buf.length && buf.compare(sig, 0, sig.length, offset, offset + sig.length) === 0;
}

/** GUIDs as stored on disk (first three fields little-endian). */
const LNK_HEADER = bytes(0x4c, 0, 0, 0, 0x01, 0x14, 0x02, 0, 0, 0, 0, 0, 0xc0, 0, 0, 0, 0, 0, 0, 0x46);
const ONENOTE_SECTION = bytes(0xe4, 0x52, 0x5c, 0x7b, 0x8c, 0xd8, 0xa7, 0x4d, 0xae, 0xb1, 0x53, 0x78, 0xd0, 0x29, 0x96, 0xd3);
const ONENOTE_TOC = bytes(0xa1, 0x2f, 0xff, 0x43, 0xd9, 0xef, 0x76, 0x4c, 0x9e, 0xe2, 0x10, 0xea, 0x57, 0x22, 0x76, 0x5f);
const OLE_HEADER = bytes(0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1);
/** Root-storage CLSID tail shared by MSI {000C1084-…}, MSP {000C1086-…} and MST {000C1082-…}. */
const MSI_CLSID_TAIL = bytes(0x10, 0x0c, 0, 0, 0, 0, 0, 0xc0, 0, 0, 0, 0, 0, 0, 0x46);
const MSI_CLSID_FIRST = new Set([0x84, 0x86, 0x82]);

function isWindowsExecutable(buf: Buffer): boolean {
  if (!at(buf, 0, ascii('MZ')) && !at(buf, 0, ascii('ZM'))) return false;
  if (buf.length >= 0x40) {
    const peOffset = buf.readUInt32LE(0x3c);
    if (at(buf, peOffset, bytes(0x50, 0x45, 0, 0))) return true;
  }
  // A DOS program without a PE header still has binary header fields; a text file that merely starts with "MZ" has none.
  return buf.subarray(0, 0x40).includes(0);
}

/** An OLE compound file whose root storage is a Windows Installer database (not a Word or Excel file). */
function isWindowsInstaller(buf: Buffer): boolean {
  if (!at(buf, 0, OLE_HEADER) || buf.length < 0x200) return false;
  const sectorShift = buf.readUInt16LE(0x1e);
  if (sectorShift !== 9 && sectorShift !== 12) return false;
  const firstDirSector = buf.readUInt32LE(0x30);
  const rootEntry = (firstDirSector + 1) * 2 ** sectorShift;
  const clsid = rootEntry + 0x50;
  return clsid + 16 <= buf.length && MSI_CLSID_FIRST.has(buf[clsid]!) && at(buf, clsid + 1, MSI_CLSID_TAIL);
}

/** ISO 9660 (`CD001`) or UDF (`BEA01`/`NSR0x`) volume descriptors from sector 16 on. */
function isOpticalImage(buf: Buffer): boolean {
  for (let sector = 0; sector < 4; sector++) {
    const offset = 0x8001 + sector * 0x800;
    for (const id of ['CD001', 'BEA01', 'NSR02', 'NSR03']) if (at(buf, offset, ascii(id))) return true;
  }
  return false;
}

function sniffBinary(buf: Buffer): SniffedType | undefined {
  if (isWindowsExecutable(buf)) return 'windows-executable';
  if (at(buf, 0, bytes(0x7f, 0x45, 0x4c, 0x46))) return 'elf-executable';
  for (const magic of [0xfeedface, 0xfeedfacf, 0xcefaedfe, 0xcffaedfe]) if (buf.length >= 4 && buf.readUInt32BE(0) === magic) return 'mach-o-executable';
  if (buf.length >= 4 && buf.readUInt32BE(0) === 0xcafebabe) return 'java-class-or-mach-o-universal';
  if (isWindowsInstaller(buf)) return 'windows-installer';
  if (at(buf, 0, LNK_HEADER)) return 'windows-shortcut';
  if (at(buf, 0, ascii('MSCF\0\0\0\0'))) return 'cab-archive';
  if (at(buf, 0, ONENOTE_SECTION) || at(buf, 0, ONENOTE_TOC)) return 'onenote';
  if (at(buf, 0, ascii('vhdxfile'))) return 'disk-image-vhdx';
  // a dynamic VHD starts with a copy of its footer; a fixed one has only the footer, in the last 512 (old: 511) bytes
  if (at(buf, 0, ascii('conectix')) || at(buf, buf.length - 512, ascii('conectix')) || at(buf, buf.length - 511, ascii('conectix'))) return 'disk-image-vhd';
  if (at(buf, 0, ascii('KDMV'))) return 'disk-image-vmdk';
  if (at(buf, buf.length - 512, ascii('koly'))) return 'disk-image-dmg';
  if (isOpticalImage(buf)) return 'disk-image-iso';
  return undefined;
}

/** At most this many ZIP entries are read; a ZIP can declare 65,535 (or, ZIP64, far more). */
export const MAX_ZIP_ENTRIES = 10_000;
const ZIP_LOCAL = 0x04034b50;
const ZIP_CENTRAL = 0x02014b50;
const ZIP_END = 0x06054b50;
const ZIP64_LOCATOR = 0x07064b50;
const ZIP64_END = 0x06064b50;

/** Where the central directory starts and how many entries it declares, from the end records. */
function zipDirectory(buf: Buffer): { offset: number; entries: number } | undefined {
  // the end record sits in the last 22 bytes plus a comment of at most 65,535: a bounded backwards scan
  const lowest = Math.max(0, buf.length - 22 - 0xffff);
  for (let i = buf.length - 22; i >= lowest; i--) {
    if (buf.readUInt32LE(i) !== ZIP_END) continue;
    let entries = buf.readUInt16LE(i + 10);
    let offset = buf.readUInt32LE(i + 16);
    if ((entries === 0xffff || offset === 0xffffffff) && i >= 20 && buf.readUInt32LE(i - 20) === ZIP64_LOCATOR) {
      const end64 = Number(buf.readBigUInt64LE(i - 20 + 8));
      if (end64 + 56 > buf.length || buf.readUInt32LE(end64) !== ZIP64_END) return undefined;
      entries = Number(buf.readBigUInt64LE(end64 + 32));
      offset = Number(buf.readBigUInt64LE(end64 + 48));
    }
    return { offset, entries };
  }
  return undefined;
}

/**
 * The names in a ZIP (and JAR, APK, APPX, Office Open XML …) central directory, at most
 * `MAX_ZIP_ENTRIES`; `undefined` when the content is not a readable ZIP. Names are read,
 * nothing is decompressed, so the work is bounded by the directory's size.
 */
export function zipEntryNames(buf: Buffer): string[] | undefined {
  if (buf.length < 30 || buf.readUInt32LE(0) !== ZIP_LOCAL) return undefined;
  const dir = zipDirectory(buf);
  if (!dir) return undefined;
  const names: string[] = [];
  let at = dir.offset;
  for (let n = 0; n < Math.min(dir.entries, MAX_ZIP_ENTRIES) && at + 46 <= buf.length && buf.readUInt32LE(at) === ZIP_CENTRAL; n++) {
    const nameLength = buf.readUInt16LE(at + 28);
    const utf8 = (buf.readUInt16LE(at + 8) & 0x800) !== 0;
    names.push(buf.toString(utf8 ? 'utf8' : 'latin1', at + 46, Math.min(buf.length, at + 46 + nameLength)));
    at += 46 + nameLength + buf.readUInt16LE(at + 30) + buf.readUInt16LE(at + 32);
  }
  return names;
}

/** A ZIP that is itself a program package, told by the entries every such package has. */
function sniffZipPackage(names: string[]): SniffedType | undefined {
  const has = new Set(names.map((n) => n.toLowerCase()));
  if (has.has('meta-inf/manifest.mf') && names.some((n) => n.toLowerCase().endsWith('.class'))) return 'java-archive';
  if (has.has('androidmanifest.xml') && has.has('classes.dex')) return 'android-package';
  if (has.has('appxmanifest.xml') || has.has('appxmetadata/appxbundlemanifest.xml')) return 'windows-app-package';
  return undefined;
}

/** The first bytes as text: BOMs honoured, NULs of BOM-less UTF-16 dropped, lower-cased. */
function textHead(buf: Buffer): string {
  const head = buf.subarray(0, TEXT_HEAD_BYTES);
  let text: string;
  if (at(head, 0, bytes(0xff, 0xfe))) text = head.subarray(2).toString('utf16le');
  else if (at(head, 0, bytes(0xfe, 0xff))) {
    const be = Buffer.from(head.subarray(2, 2 + ((head.length - 2) & ~1)));
    text = be.swap16().toString('utf16le');
  } else if (at(head, 0, bytes(0xef, 0xbb, 0xbf))) text = head.subarray(3).toString('utf8');
  else text = head.toString('latin1');
  return text.replaceAll('\0', '').toLowerCase();
}

const isHtmlWhitespace = (c: string) => c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\f';
/** After a tag name: the WHATWG "tag-terminating byte" (a space or `>`), or `/` of a self-closing tag. */
const endsTagName = (c: string | undefined) => c === ' ' || c === '>' || c === '/' || c === '\t' || c === '\n' || c === '\r' || c === '\f';

/** The WHATWG MIME sniffing HTML signatures, plus the few active tags that table lacks. */
const HTML_STARTS = [
  '<!doctype html', '<html', '<head', '<script', '<iframe', '<h1', '<div', '<font', '<table', '<a', '<style', '<title',
  '<b', '<body', '<br', '<p', '<!--', '<meta', '<link', '<base', '<object', '<embed', '<form', '<img', '<hta:application',
];
/** Markers in an XML document that make a browser or Windows render or run it. */
const ACTIVE_XML: [string, SniffedType][] = [
  ['<svg', 'svg'],
  ['http://www.w3.org/2000/svg', 'svg'],
  ['<html', 'html'],
  ['http://www.w3.org/1999/xhtml', 'html'],
  ['<?xml-stylesheet', 'active-xml'],
  ['<xsl:', 'active-xml'],
  ['<script', 'active-xml'],
  ['<librarydescription', 'active-xml'],
  ['<searchconnectordescription', 'active-xml'],
];

function sniffText(buf: Buffer): SniffedType | undefined {
  const text = textHead(buf);
  let i = 0;
  while (i < text.length && isHtmlWhitespace(text[i]!)) i++;
  const rest = text.slice(i);
  if (rest.startsWith('[internetshortcut]') || rest.startsWith('[shell]')) return 'internet-shortcut';
  if (rest.startsWith('<svg') && endsTagName(rest[4])) return 'svg';
  if (rest.startsWith('<?xml') || rest.startsWith('<!doctype svg')) {
    for (const [marker, type] of ACTIVE_XML) if (rest.includes(marker)) return type;
    return undefined;
  }
  for (const sig of HTML_STARTS) {
    if (rest.startsWith(sig) && (sig === '<!--' || endsTagName(rest[sig.length]))) return 'html';
  }
  return undefined;
}

/** The active type the content is, or `undefined` when it is none of them. */
export function sniffContent(content: Buffer): SniffedType | undefined {
  const zip = zipEntryNames(content);
  if (zip) return sniffZipPackage(zip);
  return sniffBinary(content) ?? sniffText(content);
}
