import { z } from 'zod';
import { container } from './cosmos';
import { readItem } from './cosmos-items';

/**
 * Per channel and folder: the source's sync position (IMAP UIDVALIDITY + last UID,
 * Graph delta link), and per channel: when a sync was last requested. pk /channelId.
 */
export const FolderSyncState = z.object({
  id: z.string(),
  channelId: z.string(),
  kind: z.literal('folder'),
  folder: z.string(),
  cursor: z.record(z.string(), z.unknown()),
  updatedAt: z.string(),
  lastListed: z.number().int().default(0),
  resyncs: z.number().int().default(0),
});
export type FolderSyncState = z.infer<typeof FolderSyncState>;

export const ChannelSyncState = z.object({
  id: z.string(),
  channelId: z.string(),
  kind: z.literal('channel'),
  lastRequestedAt: z.string().optional(),
  lastSyncedAt: z.string().optional(),
  lastError: z.object({ code: z.string(), message: z.string(), at: z.string() }).optional(),
});
export type ChannelSyncState = z.infer<typeof ChannelSyncState>;

const folderDocId = (folder: string) => `folder:${Buffer.from(folder.toLowerCase()).toString('base64url')}`;

export async function readFolderState(channelId: string, folder: string): Promise<FolderSyncState | undefined> {
  const c = await container('syncState');
  const resource = await readItem(c, folderDocId(folder), channelId);
  return resource ? FolderSyncState.parse(resource) : undefined;
}

export async function writeFolderState(state: Omit<FolderSyncState, 'id' | 'kind' | 'updatedAt'>): Promise<void> {
  const c = await container('syncState');
  await c.items.upsert(FolderSyncState.parse({ ...state, id: folderDocId(state.folder), kind: 'folder', updatedAt: new Date().toISOString() }));
}

export async function readChannelState(channelId: string): Promise<ChannelSyncState | undefined> {
  const c = await container('syncState');
  const resource = await readItem(c, 'channel', channelId);
  return resource ? ChannelSyncState.parse(resource) : undefined;
}

export async function updateChannelState(channelId: string, patch: Partial<Omit<ChannelSyncState, 'id' | 'channelId' | 'kind'>>): Promise<void> {
  const c = await container('syncState');
  const current = (await readChannelState(channelId)) ?? { id: 'channel', channelId, kind: 'channel' as const };
  await c.items.upsert(ChannelSyncState.parse({ ...current, ...patch }));
}

/** Forget every folder position of a channel (e.g. after its connection changed). */
export async function clearFolderStates(channelId: string): Promise<void> {
  const c = await container('syncState');
  const { resources } = await c.items
    .query<{ id: string }>({ query: "SELECT c.id FROM c WHERE c.channelId = @id AND c.kind = 'folder'", parameters: [{ name: '@id', value: channelId }] })
    .fetchAll();
  for (const r of resources) await c.item(r.id, channelId).delete();
}
