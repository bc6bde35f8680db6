import fs from 'node:fs';
import path from 'node:path';
import type { CosmosClient } from '@azure/cosmos';
import { z } from 'zod';

/**
 * Persistence for the in-memory Cosmos emulator of the local stack: every database,
 * container (with its partition key, unique keys, indexing policy, TTL) and item, read
 * and written through the real `@azure/cosmos` SDK as a JSON file. System properties
 * (`_rid`, `_self`, `_etag`, `_attachments`, `_ts`) are not kept; the emulator assigns
 * new ones on restore (so ETags change across a restart).
 */
const ContainerSnapshot = z.object({
  definition: z.looseObject({ id: z.string() }),
  items: z.array(z.record(z.string(), z.unknown())),
});
export const CosmosSnapshotSchema = z.object({
  version: z.literal(1),
  takenAt: z.string(),
  databases: z.array(z.object({ id: z.string(), containers: z.array(ContainerSnapshot) })),
});
export type CosmosSnapshot = z.infer<typeof CosmosSnapshotSchema>;

const SYSTEM_PROPS = ['_rid', '_self', '_etag', '_attachments', '_ts'];
const DEFINITION_PROPS = ['id', 'partitionKey', 'uniqueKeyPolicy', 'indexingPolicy', 'defaultTtl', 'conflictResolutionPolicy'];

function pick(obj: Record<string, unknown>, keys: string[]): Record<string, unknown> {
  return Object.fromEntries(keys.filter((k) => obj[k] !== undefined).map((k) => [k, obj[k]]));
}

export async function takeSnapshot(client: CosmosClient): Promise<CosmosSnapshot> {
  const { resources: dbs } = await client.databases.readAll().fetchAll();
  const databases: CosmosSnapshot['databases'] = [];
  for (const db of dbs.sort((a, b) => a.id.localeCompare(b.id))) {
    const database = client.database(db.id);
    const { resources: defs } = await database.containers.readAll().fetchAll();
    const containers: CosmosSnapshot['databases'][number]['containers'] = [];
    for (const def of defs.sort((a, b) => a.id.localeCompare(b.id))) {
      const { resources } = await database.container(def.id).items.query<Record<string, unknown>>('SELECT * FROM c').fetchAll();
      const items = resources
        .map((item) => Object.fromEntries(Object.entries(item).filter(([k]) => !SYSTEM_PROPS.includes(k))))
        .sort((a, b) => String(a.id).localeCompare(String(b.id)));
      containers.push({ definition: { id: def.id, ...pick(def as unknown as Record<string, unknown>, DEFINITION_PROPS) }, items });
    }
    databases.push({ id: db.id, containers });
  }
  return { version: 1, takenAt: new Date().toISOString(), databases };
}

export async function restoreSnapshot(client: CosmosClient, snapshot: CosmosSnapshot): Promise<number> {
  let count = 0;
  for (const db of snapshot.databases) {
    const { database } = await client.databases.createIfNotExists({ id: db.id });
    for (const c of db.containers) {
      const { container } = await database.containers.createIfNotExists(c.definition as { id: string });
      // Small batches in parallel: fast enough for a developer's data, gentle on the emulator.
      for (let i = 0; i < c.items.length; i += 50) {
        await Promise.all(c.items.slice(i, i + 50).map((item) => container.items.upsert(item)));
      }
      count += c.items.length;
    }
  }
  return count;
}

/** The snapshot's content without its timestamp, to tell whether anything changed. */
export function snapshotFingerprint(s: CosmosSnapshot): string {
  return JSON.stringify(s.databases);
}

export function readSnapshotFile(file: string): CosmosSnapshot | undefined {
  if (!fs.existsSync(file)) return undefined;
  const parsed = CosmosSnapshotSchema.safeParse(JSON.parse(fs.readFileSync(file, 'utf8')));
  if (!parsed.success) throw new Error(`${file} is not a Cosmos snapshot: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
  return parsed.data;
}

/** Writes atomically (temp file + rename), so a crash never leaves half a snapshot. */
export function writeSnapshotFile(file: string, snapshot: CosmosSnapshot): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(snapshot));
  fs.renameSync(tmp, file);
}

/**
 * Keeps `file` in step with the emulator: saves every `intervalMs` when the content
 * changed, and once more on `stop()`.
 */
export function persistCosmos(client: CosmosClient, file: string, intervalMs: number, onError: (err: unknown) => void): { stop(): Promise<void>; saveNow(): Promise<boolean> } {
  let last = '';
  const existing = readSnapshotFile(file);
  if (existing) last = snapshotFingerprint(existing);
  let saving: Promise<boolean> = Promise.resolve(false);
  const saveNow = (): Promise<boolean> => {
    saving = saving.then(async () => {
      const snap = await takeSnapshot(client);
      const fp = snapshotFingerprint(snap);
      if (fp === last) return false;
      writeSnapshotFile(file, snap);
      last = fp;
      return true;
    });
    return saving;
  };
  const timer = setInterval(() => { saveNow().catch(onError); }, intervalMs);
  return {
    saveNow,
    stop: async () => {
      clearInterval(timer);
      await saveNow().catch(onError);
    },
  };
}
