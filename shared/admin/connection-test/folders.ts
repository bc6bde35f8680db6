import type { ChannelRecord } from '../../config/channel';
import type { ConfiguredFolder } from './result';

/** The channel's folders as the folder stage checks them, and what a missing one means. */

/** At most this many folders are listed (with counts). */
export const MAX_LISTED_FOLDERS = 500;

type FolderRole = ConfiguredFolder['role'];

export function configuredFolders(channel: ChannelRecord): { role: FolderRole; name: string }[] {
  const f = channel.folders;
  return [
    ...f.read.map((name) => ({ role: 'read' as const, name })),
    { role: 'success' as const, name: f.success },
    { role: 'fail' as const, name: f.fail },
    ...(f.exclusion ? [{ role: 'exclusion' as const, name: f.exclusion }] : []),
  ];
}

/** What a missing folder means for its role (only a missing folder to read fails the test). */
export function withNotes<T extends { role: FolderRole; exists: boolean }>(configured: T[]): (T & { note?: string })[] {
  return configured.map((c) => {
    if (c.exists) return c;
    if (c.role === 'read') return { ...c, note: 'missing: nothing can be read from it' };
    if (c.role === 'exclusion') return { ...c, note: 'missing: no mail is excluded until it exists' };
    return { ...c, note: 'missing: created at the first sync' };
  });
}
