import { z } from 'zod';
import { sniffedTypeLabel } from '../mail/content-sniff';
import { extensionsOf } from '../mail/file-name';
import type { AttachmentInfo } from '../mail/parsed-mail';

export { extensionsOf };

/**
 * Which attachments are stored with a ticket. A blocked attachment is not stored but
 * recorded on the ticket with the reason, so an agent sees that it existed and why it
 * is missing — nothing is silently dropped.
 *
 * Decided four ways, any one of which blocks: the name (as Windows would read it, see
 * `extensionsOf`), what the content is by its bytes (`sniffed`, from
 * `shared/mail/content-sniff.ts`), the names inside a ZIP, and the declared content
 * type — so renaming `setup.exe` to `invoice.pdf`, zipping it, or sending a page as
 * `notes.txt` does not get it through.
 */

/**
 * Blocked file extensions, the union of:
 * - Outlook's default Level 1 list ("Blocked attachments in Outlook", Microsoft Support,
 *   https://support.microsoft.com/office/434752e1-02d3-4e90-9124-8b81e49a8519);
 * - the default file types of Exchange Online Protection's common attachment filter
 *   (anti-malware policy `FileTypes`, "Anti-malware protection in EOP",
 *   https://learn.microsoft.com/defender-office-365/anti-malware-protection-about);
 * - ours: what a browser or Windows Explorer opens as active content or mounts, and that
 *   phishing uses because the two lists above let it through (HTML/SVG pages, OneNote,
 *   disk images, Windows search/library descriptions, Excel web queries).
 */
const OUTLOOK_LEVEL1 = [
  'ade', 'adp', 'app', 'appcontent-ms', 'application', 'appref-ms', 'asp', 'aspx', 'asx', 'bas', 'bat', 'bgi', 'cab',
  'cer', 'chm', 'cmd', 'cnt', 'com', 'cpl', 'crt', 'csh', 'der', 'diagcab', 'exe', 'fxp', 'gadget', 'grp', 'hlp', 'hpj',
  'hta', 'htc', 'inf', 'ins', 'iso', 'isp', 'its', 'jar', 'jnlp', 'js', 'jse', 'ksh', 'lnk', 'mad', 'maf', 'mag', 'mam',
  'maq', 'mar', 'mas', 'mat', 'mau', 'mav', 'maw', 'mcf', 'mda', 'mdb', 'mde', 'mdt', 'mdw', 'mdz', 'msc', 'msh', 'msh1',
  'msh2', 'msh1xml', 'msh2xml', 'mshxml', 'msi', 'msp', 'mst', 'msu', 'ops', 'osd', 'pcd', 'pif', 'pl', 'plg', 'prf',
  'prg', 'printerexport', 'ps1', 'ps1xml', 'ps2', 'ps2xml', 'psc1', 'psc2', 'psd1', 'psdm1', 'pst', 'py', 'pyc', 'pyo',
  'pyw', 'pyz', 'pyzw', 'reg', 'scf', 'scr', 'sct', 'settingcontent-ms', 'shb', 'shs', 'theme', 'tmp', 'udl', 'url',
  'vb', 'vbe', 'vbp', 'vbs', 'vhd', 'vhdx', 'vsmacros', 'vsw', 'webpnp', 'website', 'ws', 'wsb', 'wsc', 'wsf', 'wsh',
  'xbap', 'xll', 'xnk',
];
const EXCHANGE_COMMON_ATTACHMENT_FILTER = [
  'ace', 'ani', 'apk', 'app', 'appx', 'arj', 'bat', 'cab', 'cmd', 'com', 'deb', 'dex', 'dll', 'docm', 'elf', 'exe', 'hta',
  'img', 'iso', 'jar', 'jnlp', 'kext', 'lha', 'lib', 'library', 'lnk', 'lzh', 'macho', 'msc', 'msi', 'msix', 'msp',
  'mst', 'pif', 'ppa', 'ppam', 'reg', 'rev', 'scf', 'scr', 'sct', 'sys', 'uif', 'vb', 'vbe', 'vbs', 'vxd', 'wsc', 'wsf',
  'wsh', 'xll', 'xz', 'z',
];
const ACTIVE_CONTENT = [
  'htm', 'html', 'shtml', 'xht', 'xhtml', 'mht', 'mhtml', 'svg', 'svgz', 'xsl', 'xslt', 'one', 'onepkg', 'vmdk',
  'dmg', 'library-ms', 'searchconnector-ms', 'search-ms', 'iqy', 'slk', 'appinstaller', 'appxbundle', 'msixbundle',
  'mjs', 'psm1', 'sh', 'command', 'dylib', 'so', 'ocx', 'drv',
];

/** Declared types that are executable or render actively; the sniffer catches the undeclared ones. */
const BLOCKED_CONTENT_TYPES = [
  'application/x-msdownload', 'application/x-msdos-program', 'application/x-ms-installer', 'application/x-msi',
  'application/x-ms-shortcut', 'application/hta', 'application/x-dosexec', 'application/x-executable',
  'application/vnd.microsoft.portable-executable', 'application/java-archive', 'application/x-java-jnlp-file',
  'text/html', 'application/xhtml+xml', 'image/svg+xml', 'text/javascript', 'application/javascript',
  'application/x-javascript', 'application/ecmascript', 'text/vbscript', 'application/x-sh', 'text/x-sh',
  'application/x-iso9660-image', 'application/x-apple-diskimage', 'application/vnd.ms-cab-compressed',
  'application/onenote', 'application/msonenote', 'application/x-ms-application',
];

/**
 * `MAX_ATTACHMENT_MIB` (optional app setting): the largest attachment stored, 25 MiB unless
 * set (e.g. higher where 150 MB mails carry big files: large mail streams, large-mail.ts);
 * a value that is not a whole number from 1 to 4096 is ignored.
 */
const AttachmentEnv = z.object({ MAX_ATTACHMENT_MIB: z.coerce.number().int().min(1).max(4096).catch(25).default(25) });

export function maxAttachmentBytesFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  return AttachmentEnv.parse(env).MAX_ATTACHMENT_MIB * 1024 * 1024;
}

export const AttachmentPolicy = {
  /** Largest single attachment stored (bytes). */
  maxBytes: maxAttachmentBytesFromEnv(),
  blockedExtensions: new Set([...OUTLOOK_LEVEL1, ...EXCHANGE_COMMON_ATTACHMENT_FILTER, ...ACTIVE_CONTENT]) as ReadonlySet<string>,
  blockedContentTypes: new Set(BLOCKED_CONTENT_TYPES) as ReadonlySet<string>,
};

export type AttachmentVerdict = AttachmentInfo & { blocked?: string };

/** A name quoted with its invisible characters spelled out, so the reason itself cannot be reordered by them. */
function visibly(name: string): string {
  return JSON.stringify(name).replace(/\p{Cf}/gu, (c) => `\\u${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`);
}

function mediaType(contentType: string): string {
  return contentType.split(';')[0]!.trim().toLowerCase();
}

export function judgeAttachment(a: AttachmentInfo, policy = AttachmentPolicy): AttachmentVerdict {
  if (a.size > policy.maxBytes) {
    return { ...a, blocked: `larger than ${Math.round(policy.maxBytes / 1024 / 1024)} MB (${a.size} bytes)` };
  }
  const names = a.nameAsSent === undefined ? [a.filename] : [a.filename, a.nameAsSent];
  const ext = names.flatMap(extensionsOf).find((e) => policy.blockedExtensions.has(e));
  if (ext !== undefined) {
    const plain = a.filename.toLowerCase().endsWith(`.${ext}`);
    return { ...a, blocked: plain ? `file type .${ext} is blocked` : `file type .${ext} is blocked (disguised in the name ${visibly(a.nameAsSent ?? a.filename)})` };
  }
  if (a.sniffed) return { ...a, blocked: `the content is ${sniffedTypeLabel[a.sniffed]}, which is blocked` };
  const inside = a.archive?.extensions.find((e) => policy.blockedExtensions.has(e));
  if (inside !== undefined) return { ...a, blocked: `the archive holds a .${inside} file, which is blocked` };
  if (a.archive?.unread) return { ...a, blocked: 'the archive is too large to look inside' };
  if (a.archive?.truncated) return { ...a, blocked: 'the archive holds too many kinds of files to check' };
  const type = mediaType(a.contentType);
  if (policy.blockedContentTypes.has(type)) return { ...a, blocked: `content type ${type} is blocked` };
  return a;
}
