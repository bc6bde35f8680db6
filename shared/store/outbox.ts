import { bounced, OutboxRecord, type OutboxBounce } from '../outbound/outbox';
import { container } from './cosmos';
import { queryAll, readItem } from './cosmos-items';
import { TransientError } from '../errors';
import { cosmosStatus } from './errors';

/**
 * Outbox records in Cosmos (container `outbox`, id = outbox key, pk = channelId). Every
 * change is a replace guarded by the ETag the caller read; the state rules are in
 * shared/outbound/outbox.ts.
 */
export type OutboxWithEtag = { record: OutboxRecord; etag: string };

export async function readOutbox(channelId: string, id: string): Promise<OutboxWithEtag | undefined> {
  const c = await container('outbox');
  const resource = await readItem(c, id, channelId);
  if (!resource) return undefined;
  return { record: OutboxRecord.parse(resource), etag: resource._etag as string };
}

/** Creates the record; `created: false` when it is there already (409): the first one stands. */
export async function createOutbox(record: OutboxRecord): Promise<{ created: boolean }> {
  const c = await container('outbox');
  try {
    await c.items.create(OutboxRecord.parse(record));
    return { created: true };
  } catch (err) {
    if (cosmosStatus(err) === 409) return { created: false };
    throw err;
  }
}

/** Replaces the record if unchanged since `etag`; a Cosmos 412 error otherwise. */
export async function replaceOutbox(record: OutboxRecord, etag: string): Promise<OutboxWithEtag> {
  const c = await container('outbox');
  const next = OutboxRecord.parse(record);
  const { resource } = await c.item(next.id, next.channelId).replace(next, { accessCondition: { type: 'IfMatch', condition: etag } });
  return { record: next, etag: (resource as { _etag: string })._etag };
}

/** Rounds of "another writer changed the record first: read again" before the caller's retry takes over. */
const MAX_MARK_ROUNDS = 8;

/**
 * Marks a bounce on the record (outbound/outbox.ts `bounced`), read and replaced under its
 * ETag until it holds: a send job moving the record meanwhile costs one more round, never
 * the mark. `undefined` when the record does not exist; the stored record otherwise,
 * unchanged (no write) when that bounce is marked already.
 */
export async function markOutboxBounced(channelId: string, outboxId: string, bounce: OutboxBounce): Promise<OutboxRecord | undefined> {
  for (let round = 0; round < MAX_MARK_ROUNDS; round++) {
    const current = await readOutbox(channelId, outboxId);
    if (!current) return undefined;
    const next = bounced(current.record, bounce);
    if (!next) return current.record;
    try {
      return (await replaceOutbox(next, current.etag)).record;
    } catch (err) {
      if (cosmosStatus(err) !== 412) throw err;
    }
  }
  throw new TransientError('OUTBOX_CONTENDED', `outbox record ${outboxId} kept changing under the bounce mark; retry it`);
}

/** Records still to send (queued, or sending) not updated since `before`, oldest first: the sweep's work (cross-partition). */
export async function listStaleOutbox(before: Date, limit: number): Promise<OutboxWithEtag[]> {
  const c = await container('outbox');
  const docs = await queryAll<Record<string, unknown> & { _etag: string }>(
    c,
    "SELECT TOP @limit * FROM c WHERE (c.state = 'queued' OR c.state = 'sending') AND c.updatedAt < @before ORDER BY c.updatedAt ASC",
    [
      { name: '@limit', value: limit },
      { name: '@before', value: before.toISOString() },
    ],
  );
  return docs.map((d) => ({ record: OutboxRecord.parse(d), etag: d._etag }));
}
