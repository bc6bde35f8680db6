import { z } from 'zod';
import { container } from './cosmos';
import { readItem } from './cosmos-items';
import { cosmosStatus } from './errors';

/**
 * Per channel and folder: the source's sync position (IMAP UIDVALIDITY + last UID,
 * Graph delta link), and per channel: when a sync was last requested. pk /channelId.
 */
export const FolderSyncState = z.object({
  id: z.string(),
  channelId: z.string(),
  kind: z.literal('folder'),
  folder: z.string(),
  /** Absent until the first listing of the folder finished (the document may hold only a lease). */
  cursor: z.record(z.string(), z.unknown()).optional(),
  updatedAt: z.string(),
  lastListed: z.number().int().default(0),
  resyncs: z.number().int().default(0),
  /** The sync listing this folder now, until `until` (then a crashed holder no longer blocks). */
  lease: z.object({ holder: z.string(), until: z.string() }).optional(),
  /** A sync was asked for while the lease was held: the holder lists once more before letting go. */
  again: z.boolean().optional(),
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

/** A held lease on one folder's sync: the state as it was when claimed, and the ETag that proves the lease. */
export interface FolderLease {
  state: FolderSyncState;
  etag: string;
  ttlMs: number;
}

/** Rounds of read-and-write against other syncs before giving up on a contended document. */
const MAX_ROUNDS = 5;

/**
 * Claims the right to list one folder (one sync per folder at a time): an ETag-guarded
 * write of a lease on the folder's sync document. Undefined when another sync holds a
 * lease that has not expired; that sync is then asked to list once more before it lets go
 * (`again`), so a request made during a listing is never lost.
 */
export async function claimFolderSync(channelId: string, folder: string, holder: string, now: Date, ttlMs: number): Promise<FolderLease | undefined> {
  const c = await container('syncState');
  const id = folderDocId(folder);
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const resource = await readItem(c, id, channelId);
    const current = resource ? FolderSyncState.parse(resource) : undefined;
    const held = current?.lease !== undefined && Date.parse(current.lease.until) > now.getTime();
    if (held && current?.again) return undefined;
    const next = FolderSyncState.parse(
      held
        ? { ...current, again: true }
        : { ...(current ?? { channelId, folder, kind: 'folder' }), id, updatedAt: now.toISOString(), again: undefined, lease: { holder, until: new Date(now.getTime() + ttlMs).toISOString() } },
    );
    try {
      const written = resource?._etag
        ? await c.item(id, channelId).replace(next, { accessCondition: { type: 'IfMatch', condition: resource._etag } })
        : await c.items.create(next);
      return held ? undefined : { state: next, etag: (written.resource as { _etag: string })._etag, ttlMs };
    } catch (err) {
      const status = cosmosStatus(err);
      if (status !== 412 && status !== 409) throw err;
    }
  }
  return undefined;
}

/**
 * Stores the folder's new position (none: keep the old one) and ends the lease, if it is
 * still ours: `released`. `lost` when it is not (it expired and another sync took the
 * folder): that sync's position stands; what this one enqueued the ledger drops as
 * repeats. A renewed lease, with the new position stored, when another sync asked for a
 * listing meanwhile and `listAgain` allows it: the caller lists once more.
 */
export async function completeFolderSync(
  lease: FolderLease,
  next: Pick<FolderSyncState, 'cursor' | 'lastListed' | 'resyncs'> | undefined,
  listAgain = true,
): Promise<'released' | 'lost' | FolderLease> {
  const c = await container('syncState');
  let etag = lease.etag;
  let base = lease.state;
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const again = listAgain && base.again === true;
    const now = new Date();
    const doc = FolderSyncState.parse({
      ...base,
      ...next,
      updatedAt: now.toISOString(),
      again: undefined,
      lease: again ? { holder: lease.state.lease?.holder ?? 'unknown', until: new Date(now.getTime() + lease.ttlMs).toISOString() } : undefined,
    });
    try {
      const { resource } = await c.item(doc.id, doc.channelId).replace(doc, { accessCondition: { type: 'IfMatch', condition: etag } });
      return again ? { state: doc, etag: (resource as { _etag: string })._etag, ttlMs: lease.ttlMs } : 'released';
    } catch (err) {
      if (cosmosStatus(err) === 404) return 'lost';
      if (cosmosStatus(err) !== 412) throw err;
    }
    // changed since: still ours (someone asked for another listing), or taken over
    const resource = await readItem(c, lease.state.id, lease.state.channelId);
    const current = resource ? FolderSyncState.parse(resource) : undefined;
    if (!resource?._etag || !current || current.lease?.holder !== lease.state.lease?.holder) return 'lost';
    etag = resource._etag;
    base = current;
  }
  return 'lost';
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

