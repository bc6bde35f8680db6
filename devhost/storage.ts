import { DefaultAzureCredential } from '@azure/identity';
import { BlobServiceClient } from '@azure/storage-blob';
import { QueueServiceClient } from '@azure/storage-queue';

/**
 * Storage connections as the Functions host resolves a binding's `connection`: the app
 * setting of that name, else `AzureWebJobs<name>`, holding a connection string; or an
 * identity-based connection `<name>__queueServiceUri` / `<name>__blobServiceUri` /
 * `<name>__serviceUri` (with `<name>__clientId` for a user-assigned identity).
 * No `connection` means `AzureWebJobsStorage`.
 */
export type Env = Record<string, string | undefined>;

function credential(env: Env, name: string): DefaultAzureCredential {
  const clientId = env[`${name}__clientId`];
  return new DefaultAzureCredential(clientId ? { managedIdentityClientId: clientId } : {});
}

function connectionString(env: Env, name: string): string | undefined {
  return env[name] || env[`AzureWebJobs${name}`] || undefined;
}

export function queueServiceFor(env: Env, connection?: string): QueueServiceClient {
  const name = connection || 'AzureWebJobsStorage';
  const cs = connectionString(env, name);
  if (cs) return QueueServiceClient.fromConnectionString(cs);
  const uri = env[`${name}__queueServiceUri`] || env[`${name}__serviceUri`];
  if (uri) return new QueueServiceClient(uri, credential(env, name));
  throw new Error(`Storage account connection string '${name}' does not exist. Make sure that it is a defined App Setting.`);
}

export function blobServiceFor(env: Env, connection?: string): BlobServiceClient | undefined {
  const name = connection || 'AzureWebJobsStorage';
  const cs = connectionString(env, name);
  if (cs) return BlobServiceClient.fromConnectionString(cs);
  const uri = env[`${name}__blobServiceUri`] || env[`${name}__serviceUri`];
  if (uri) return new BlobServiceClient(uri, credential(env, name));
  return undefined;
}
