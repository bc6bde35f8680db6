import { ChannelRecord } from '../config/channel';
import { container, onCosmosReset } from './cosmos';
import { NotFoundError, PreconditionFailedError, ConflictError, cosmosStatus } from './errors';
import { readItem, queryAll } from './cosmos-items';
import { ttlCache } from './ttl-cache';

/**
 * Channel records in container `channels` (pk /id), with optimistic concurrency:
 * every read returns the document's ETag, and replace/delete given an ETag fail with
 * `PreconditionFailedError` when someone else changed the document in between.
 */
export interface StoredChannel {
  record: ChannelRecord;
  etag: string;
}

const KIND = 'channel';

function toStored(resource: unknown): StoredChannel {
  const etag = (resource as { _etag?: unknown })._etag;
  if (typeof etag !== 'string') throw new Error('channel document without _etag');
  return { record: ChannelRecord.parse(resource), etag };
}

export async function readChannelRecord(id: string): Promise<StoredChannel | undefined> {
  const resource = await readItem(await container('channels'), id, id);
  return resource ? toStored(resource) : undefined;
}

/**
 * How long the pipeline trusts a channel it read in this instance (admin reads stay fresh).
 * Why stale for this long is safe: a channel paused or deleted in another instance may
 * process mail for up to this long (one more mail at most per message in flight, each
 * still exactly once, as before the change); a changed configuration (folders, rules,
 * answers) takes effect within it; a change made through this instance's API (publish,
 * pause, edit, delete) takes effect at once (the writes below forget the cached record).
 */
export const CHANNEL_CACHE_TTL_MS = 30_000;
const cachedChannels = ttlCache<StoredChannel>(CHANNEL_CACHE_TTL_MS);

/** The channel as this instance last read it within `CHANNEL_CACHE_TTL_MS`, with its ETag; a channel not found is never kept. */
export function readChannelCached(id: string): Promise<StoredChannel | undefined> {
  return cachedChannels.get(id, () => readChannelRecord(id));
}

onCosmosReset(() => cachedChannels.clear());

export async function listChannelRecords(): Promise<StoredChannel[]> {
  const c = await container('channels');
  const docs = await queryAll<unknown>(c, 'SELECT * FROM c ORDER BY c.createdAt ASC');
  return docs.map(toStored);
}

/** Creates a new record; `ConflictError` when the id is taken. */
export async function createChannelRecord(record: ChannelRecord): Promise<StoredChannel> {
  const c = await container('channels');
  try {
    const { resource } = await c.items.create(ChannelRecord.parse(record));
    cachedChannels.forget(record.id);
    return toStored(resource);
  } catch (err) {
    if (cosmosStatus(err) === 409) throw new ConflictError(`channel "${record.id}" already exists`);
    throw err;
  }
}

/** Replaces the record if its ETag is still `etag`. */
export async function replaceChannelRecord(record: ChannelRecord, etag: string): Promise<StoredChannel> {
  const c = await container('channels');
  try {
    const { resource } = await c
      .item(record.id, record.id)
      .replace(ChannelRecord.parse(record), { accessCondition: { type: 'IfMatch', condition: etag } });
    return toStored(resource);
  } catch (err) {
    throw mapWriteError(err, record.id);
  } finally {
    // after the write (a read in flight during it may have cached the old record)
    cachedChannels.forget(record.id);
  }
}

/** Deletes the record; with `etag`, only if unchanged since read. */
export async function deleteChannelRecord(id: string, etag?: string): Promise<void> {
  const c = await container('channels');
  try {
    await c.item(id, id).delete(etag ? { accessCondition: { type: 'IfMatch', condition: etag } } : undefined);
  } catch (err) {
    throw mapWriteError(err, id);
  } finally {
    cachedChannels.forget(id);
  }
}

function mapWriteError(err: unknown, id: string): unknown {
  const status = cosmosStatus(err);
  if (status === 412) return new PreconditionFailedError(KIND, id);
  if (status === 404) return new NotFoundError(KIND, id);
  return err;
}
