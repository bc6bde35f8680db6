/**
 * Folder names as the channel stores them versus as the IMAP server spells them.
 *
 * A channel names nested folders with `/` (`Tickets/Done`), whatever the server uses;
 * here they become the server's path: its hierarchy delimiter (`/` for Dovecot's usual
 * setup, `.` for Courier-style servers) and its personal namespace prefix (`INBOX.` on
 * some servers). INBOX is case-insensitive in IMAP and always spelled `INBOX`.
 */

export interface NamespaceInfo {
  delimiter?: string | null;
  prefix?: string;
}

export function serverPath(folder: string, ns: NamespaceInfo | undefined): string {
  const delimiter = ns?.delimiter || '/';
  const segments = folder.split('/').filter((s) => s.length > 0);
  const path = segments.join(delimiter);
  if (path.toUpperCase() === 'INBOX') return 'INBOX';
  if (segments[0]?.toUpperCase() === 'INBOX') return ['INBOX', ...segments.slice(1)].join(delimiter);
  return ns?.prefix && !path.startsWith(ns.prefix) ? ns.prefix + path : path;
}

/** `A/B/C` → `A`, `A/B`, `A/B/C`: parents first, so servers that do not create parents implicitly work too. */
export function folderAncestry(folder: string): string[] {
  const segments = folder.split('/').filter((s) => s.length > 0);
  return segments.map((_, i) => segments.slice(0, i + 1).join('/'));
}

export function sameServerPath(a: string, b: string): boolean {
  return a === b || (a.toUpperCase() === 'INBOX' && b.toUpperCase() === 'INBOX');
}
