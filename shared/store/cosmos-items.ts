import type { Container, ItemDefinition, SqlParameter } from '@azure/cosmos';
import { cosmosStatus } from './errors';

/**
 * Small helpers over `@azure/cosmos` items shared by the repositories.
 */

/** Point read; undefined on 404. Returns the raw resource (with `_etag`). */
export async function readItem(c: Container, id: string, partitionKey: string): Promise<(ItemDefinition & { _etag?: string }) | undefined> {
  try {
    const { resource } = await c.item(id, partitionKey).read<ItemDefinition & { _etag?: string }>();
    return resource ?? undefined;
  } catch (err) {
    if (cosmosStatus(err) === 404) return undefined;
    throw err;
  }
}

/**
 * Idempotent create: `items.create`, and when the id already exists (409) read back the
 * existing document. Never overwrites; `created` tells which happened.
 */
export async function createOrReadExisting(
  c: Container,
  doc: ItemDefinition & { id: string },
  partitionKey: string,
): Promise<{ resource: ItemDefinition & { _etag?: string }; created: boolean }> {
  try {
    const { resource } = await c.items.create(doc);
    if (!resource) throw new Error(`create of ${doc.id} returned no document`);
    return { resource, created: true };
  } catch (err) {
    if (cosmosStatus(err) !== 409) throw err;
  }
  const existing = await readItem(c, doc.id, partitionKey);
  // Created and deleted between our two calls: extremely unlikely, and safe to retry.
  if (!existing) throw new Error(`${doc.id} reported as existing but cannot be read`);
  return { resource: existing, created: false };
}

/** Runs a parameterised query to the end. */
export async function queryAll<T>(c: Container, query: string, parameters: SqlParameter[] = []): Promise<T[]> {
  const { resources } = await c.items.query<T>({ query, parameters }).fetchAll();
  return resources;
}
