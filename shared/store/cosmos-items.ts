import type { Container, ItemDefinition, OperationResponse, SqlParameter } from '@azure/cosmos';
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

/** Creates `doc` unless its id exists (409): the created document, or undefined when it existed. Never overwrites. */
export async function createUnlessExists(c: Container, doc: ItemDefinition & { id: string }): Promise<ItemDefinition & { _etag?: string } | undefined> {
  try {
    const { resource } = await c.items.create(doc);
    if (!resource) throw new Error(`create of ${doc.id} returned no document`);
    return resource;
  } catch (err) {
    if (cosmosStatus(err) !== 409) throw err;
    return undefined;
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
  const resource = await createUnlessExists(c, doc);
  if (resource) return { resource, created: true };
  const existing = await readItem(c, doc.id, partitionKey);
  // Created and deleted between our two calls: extremely unlikely, and safe to retry.
  if (!existing) throw new Error(`${doc.id} reported as existing but cannot be read`);
  return { resource: existing, created: false };
}

/**
 * createOrReadExisting for several documents of one partition, in one request when none
 * exists yet: a transactional batch of creates (the common case: 1 request instead of one
 * per document). When any of them exists already (409), each is created or read back on its
 * own, so the result is the same as createOrReadExisting's for each. Real Cosmos applies a
 * batch all or nothing; the local emulator does not (LOCAL-STACK.md), and its partial
 * creates are then simply read back as existing — callers order `docs` so that a partial
 * batch leaves nothing another reader could misread.
 */
export async function createEachOnce(
  c: Container,
  docs: readonly (ItemDefinition & { id: string })[],
  partitionKey: string,
): Promise<{ resource: ItemDefinition & { _etag?: string }; created: boolean }[]> {
  if (docs.length <= 1) return Promise.all(docs.map((d) => createOrReadExisting(c, d, partitionKey)));
  let results: OperationResponse[];
  try {
    results = (await c.items.batch(docs.map((resourceBody) => ({ operationType: 'Create' as const, resourceBody })), partitionKey)).result ?? [];
  } catch (err) {
    if (cosmosStatus(err) !== 409) throw err;
    results = [];
  }
  if (results.length === docs.length && results.every((r) => r.statusCode === 201 && r.resourceBody)) {
    return results.map((r) => ({ resource: r.resourceBody as ItemDefinition & { _etag?: string }, created: true }));
  }
  const failed = results.find((r) => r.statusCode >= 400 && r.statusCode !== 409 && r.statusCode !== 424);
  // throttling or an outage answered inside the batch: the caller's retry policy decides, as for a single create
  if (failed) throw batchFailed(partitionKey, failed.statusCode);
  const out = [];
  for (const d of docs) out.push(await createOrReadExisting(c, d, partitionKey));
  return out;
}

/**
 * Creates `docs` and replaces `replacement` if unchanged since `etag`, in one transactional
 * batch of their partition (the replace last). Returns the replaced document's new ETag;
 * undefined when one of `docs` existed already (409), for the caller to create each on its
 * own and replace after; throws a 412 error when the replace lost its race. Real Cosmos
 * applies the batch all or nothing. The emulator applies the creates before a failing
 * operation (LOCAL-STACK.md), which a caller that creates once each afterwards reads back.
 */
export async function createThenReplaceIfMatch(
  c: Container,
  docs: readonly (ItemDefinition & { id: string })[],
  replacement: ItemDefinition & { id: string },
  etag: string,
  partitionKey: string,
): Promise<string | undefined> {
  let results: OperationResponse[];
  try {
    const creates = docs.map((resourceBody) => ({ operationType: 'Create' as const, resourceBody }));
    results = (await c.items.batch([...creates, { operationType: 'Replace' as const, id: replacement.id, partitionKey, resourceBody: replacement, ifMatch: etag }], partitionKey)).result ?? [];
  } catch (err) {
    if (cosmosStatus(err) === 409) return undefined;
    throw err;
  }
  const replaced = results[docs.length];
  if (results.length === docs.length + 1 && replaced?.statusCode === 200 && replaced.eTag) return replaced.eTag;
  const failed = results.find((r) => r.statusCode >= 400 && r.statusCode !== 424);
  if (failed?.statusCode === 409) return undefined;
  throw batchFailed(partitionKey, failed?.statusCode ?? 500);
}

/** A batch's failed operation as the error a single request would throw (`cosmosStatus` reads its status: a 412 is a lost race, a 429 throttling). */
function batchFailed(partitionKey: string, status: number): Error {
  return Object.assign(new Error(`a batch in partition ${partitionKey} failed with ${status}`), { code: status, statusCode: status });
}

/**
 * Runs a parameterised query to the end. With `partitionKey` it is a single-partition query:
 * real Cosmos serves it from that partition alone (a TOP/ORDER BY query without one is first
 * refused by the gateway, then fanned out to every physical partition). The local emulator
 * ignores the option, so the query must still filter the partition key in WHERE.
 */
export async function queryAll<T>(c: Container, query: string, parameters: SqlParameter[] = [], partitionKey?: string): Promise<T[]> {
  const { resources } = await c.items.query<T>({ query, parameters }, partitionKey === undefined ? {} : { partitionKey }).fetchAll();
  return resources;
}
