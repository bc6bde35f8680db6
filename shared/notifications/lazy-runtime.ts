import type { InvocationContext } from '@azure/functions';
import type { ReceiveDeps } from './receive';

/**
 * The notification endpoints' dependencies, loaded on the first notification rather than
 * when the function app starts. `./runtime` pulls in the Cosmos, storage-queue, Key Vault,
 * identity and Graph SDKs (about 800 modules); the validation handshake needs none of them,
 * and Graph gives a cold instance only 10 s to answer it when a subscription is created.
 * Node caches the module after the first load, so later notifications pay nothing.
 */
export async function lazyReceiveDeps(context: InvocationContext): Promise<ReceiveDeps> {
  const runtime = await import('./runtime');
  return runtime.receiveDeps(context);
}
