import { CosmosClient, type Container, type Database } from '@azure/cosmos';
import { DefaultAzureCredential } from '@azure/identity';
import { settings, type Settings } from '../config/settings';
import { CosmosContainers, type CosmosContainerName } from './containers';

/**
 * The Cosmos client of this process. In Azure: the app's managed identity (data-plane
 * RBAC, no key). Locally: the emulator's well-known key over plain HTTP, with endpoint
 * discovery off (the emulator advertises an https endpoint it does not serve).
 */
let client: CosmosClient | undefined;
let database: Database | undefined;
let ensured: Promise<void> | undefined;

export function createCosmosClient(s: Settings): CosmosClient {
  return s.COSMOS_KEY
    ? new CosmosClient({ endpoint: s.COSMOS_ENDPOINT, key: s.COSMOS_KEY, connectionPolicy: { enableEndpointDiscovery: false } })
    : new CosmosClient({ endpoint: s.COSMOS_ENDPOINT, aadCredentials: new DefaultAzureCredential() });
}

export function cosmosDatabase(): Database {
  if (!database) {
    const s = settings();
    client = createCosmosClient(s);
    database = client.database(s.COSMOS_DATABASE);
  }
  return database;
}

/**
 * Creates the database and containers when missing. Locally only (keyed access):
 * in Azure they are provisioned by infra/ and data-plane RBAC cannot create them.
 */
export async function ensureCosmos(): Promise<void> {
  const s = settings();
  if (!s.COSMOS_KEY) return;
  ensured ??= (async () => {
    const c = client ?? createCosmosClient(s);
    client = c;
    const { database: db } = await c.databases.createIfNotExists({ id: s.COSMOS_DATABASE });
    database = db;
    for (const def of Object.values(CosmosContainers)) {
      await db.containers.createIfNotExists({ id: def.id, partitionKey: { paths: [def.partitionKey] }, ...('defaultTtl' in def ? { defaultTtl: def.defaultTtl } : {}) });
    }
  })();
  ensured.catch(() => { ensured = undefined; });
  return ensured;
}

export async function container(name: CosmosContainerName): Promise<Container> {
  await ensureCosmos();
  return cosmosDatabase().container(CosmosContainers[name].id);
}

/** What caches of Cosmos reads in this process (e.g. the pipeline's channels) must drop when it points at another database. */
const onReset = new Set<() => void>();
export function onCosmosReset(fn: () => void): void {
  onReset.add(fn);
}

/** For tests that point the process at another emulator. */
export function resetCosmosClient(): void {
  for (const fn of onReset) fn();
  client?.dispose();
  client = undefined;
  database = undefined;
  ensured = undefined;
}
