import { OutboxRecord } from '../outbound/outbox';
import { container } from './cosmos';
import { readItem } from './cosmos-items';
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
