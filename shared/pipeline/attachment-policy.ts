import type { AttachmentInfo } from '../mail/parsed-mail';

/**
 * Which attachments are stored with a ticket. A blocked attachment is not stored but
 * recorded on the ticket with the reason, so an agent sees that it existed and why it
 * is missing — nothing is silently dropped.
 */
export const AttachmentPolicy = {
  /** Largest single attachment stored (bytes). */
  maxBytes: 25 * 1024 * 1024,
  /** Executable and script types that mail clients also block. */
  blockedExtensions: [
    'ade', 'adp', 'app', 'bat', 'chm', 'cmd', 'com', 'cpl', 'dll', 'exe', 'hta', 'inf', 'ins', 'isp', 'jar', 'js',
    'jse', 'lnk', 'msc', 'msi', 'msp', 'mst', 'pif', 'ps1', 'reg', 'scr', 'sct', 'shb', 'sys', 'vb', 'vbe', 'vbs',
    'vxd', 'wsc', 'wsf', 'wsh',
  ],
  blockedContentTypes: ['application/x-msdownload', 'application/x-msdos-program', 'application/x-ms-installer', 'application/hta'],
} as const;

export type AttachmentVerdict = AttachmentInfo & { blocked?: string };

export function judgeAttachment(a: AttachmentInfo, policy = AttachmentPolicy): AttachmentVerdict {
  const ext = a.filename.toLowerCase().split('.').pop() ?? '';
  if (a.size > policy.maxBytes) {
    return { ...a, blocked: `larger than ${Math.round(policy.maxBytes / 1024 / 1024)} MB (${a.size} bytes)` };
  }
  if ((policy.blockedExtensions as readonly string[]).includes(ext)) return { ...a, blocked: `file type .${ext} is blocked` };
  if ((policy.blockedContentTypes as readonly string[]).includes(a.contentType.toLowerCase())) return { ...a, blocked: `content type ${a.contentType} is blocked` };
  return a;
}
