import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { z } from 'zod';
import { CoreRegistry, installCoreApi } from '../devhost/core-api';

/**
 * One cold start, in a fresh `node` process: installs the `@azure/functions-core`
 * registration hook the way the Functions worker (and devhost) does, `require`s the given
 * function entry files, and prints one JSON line (ProbeReport) — how long the requires
 * took, how many modules they loaded, which heavy SDKs among them, what registered.
 * With `--handshake <function>` it then answers a Graph validation handshake through that
 * function's handler and reports the time from process start to the answer.
 *
 *   node dist/bench/cold-start-probe.js [--handshake graphNotify] dist/functions/graph-notify.js
 *
 * Used by bench/cold-start.ts (compiled, plain node, as Azure runs it) and by the test
 * that keeps the webhook light (under tsx).
 */

/** SDKs the webhook must not load before it has answered a validation handshake. */
export const HEAVY_PACKAGES = [
  '@azure/cosmos',
  '@azure/storage-blob',
  '@azure/storage-queue',
  '@azure/identity',
  '@azure/keyvault-secrets',
  '@microsoft/microsoft-graph-client',
  'mailparser',
  'imapflow',
  'nodemailer',
  'applicationinsights',
] as const;

export const ProbeReport = z.object({
  files: z.array(z.string()),
  /** Wall time of the `require`s of the entry files. */
  loadMs: z.number(),
  /** Process start (performance.timeOrigin) → entry files loaded. */
  sinceStartMs: z.number(),
  /** Modules the entry files added to require.cache. */
  modules: z.number(),
  heavyLoaded: z.array(z.string()),
  registered: z.array(z.string()),
  handshake: z.object({ status: z.number(), body: z.string(), sinceStartMs: z.number(), heavyLoaded: z.array(z.string()) }).optional(),
});
export type ProbeReport = z.infer<typeof ProbeReport>;

/** The heavy packages that have a file in the module cache. */
export function heavyPackagesIn(cacheKeys: readonly string[]): string[] {
  const inCache = (pkg: string) => cacheKeys.some((k) => k.includes(`${path.sep}node_modules${path.sep}${pkg.split('/').join(path.sep)}${path.sep}`));
  return HEAVY_PACKAGES.filter(inCache);
}

interface HttpLike { status?: number; body?: unknown }

async function answerHandshake(registry: CoreRegistry, name: string): Promise<NonNullable<ProbeReport['handshake']>> {
  const registration = registry.functions.get(name.toLowerCase());
  if (!registration) throw new Error(`no function "${name}" registered`);
  // The request and context classes are the app's own @azure/functions (already loaded by it).
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { HttpRequest, InvocationContext } = require('@azure/functions') as typeof import('@azure/functions');
  const token = `Validation: Testing client application reachability for subscription Request-Id: ${randomUUID()}`;
  const request = new HttpRequest({ method: 'POST', url: `https://localhost/api/graph/notify?validationToken=${encodeURIComponent(token)}` });
  const context = new InvocationContext({ invocationId: randomUUID(), functionName: name });
  const answer = (await registration.callback(request, context)) as HttpLike;
  const body = typeof answer.body === 'string' ? answer.body : String(answer.body);
  return { status: answer.status ?? 200, body, sinceStartMs: performance.now(), heavyLoaded: heavyPackagesIn(Object.keys(require.cache)) };
}

async function main(argv: string[]): Promise<void> {
  const args = [...argv];
  let handshake: string | undefined;
  const at = args.indexOf('--handshake');
  if (at >= 0) {
    handshake = args[at + 1];
    args.splice(at, 2);
  }
  const files = args.map((f) => path.resolve(f));
  const registry = new CoreRegistry();
  installCoreApi(registry, () => undefined);
  const before = new Set(Object.keys(require.cache));
  const t0 = performance.now();
  for (const file of files) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    require(file);
  }
  const t1 = performance.now();
  const keys = Object.keys(require.cache);
  const report: ProbeReport = {
    files: files.map((f) => path.basename(f)),
    loadMs: t1 - t0,
    sinceStartMs: t1,
    modules: keys.filter((k) => !before.has(k)).length,
    heavyLoaded: heavyPackagesIn(keys),
    registered: [...registry.functions.values()].map((r) => r.metadata.name),
  };
  if (handshake) report.handshake = await answerHandshake(registry, handshake);
  process.stdout.write(`${JSON.stringify(report)}\n`);
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  });
}
