import { randomUUID } from 'node:crypto';
import { resolveEntryPoints, loadEntryPoints } from './app-loader';
import { CoreRegistry, installCoreApi, type Registration } from './core-api';
import { hostConfig, readHostJson } from './host-json';
import type { HostLog } from './host-log';
import { adminTimerInput, TimerListener } from './timer/listener';
import { Invoker } from './invoke';
import { handleAdminInvoke } from './admin-invoke';
import { httpFunction, HttpRouter, type HttpFunction } from './http/http-functions';
import { keysFromSettings, type HostKeys } from './http/keys';
import { startHttpServer } from './http/server';
import { demoMountFromEnv } from './http/demo-mount';
import { QueueListener } from './queue/listener';
import { parseBinding, QueueTriggerSchema, resolveAppSettings, TimerTriggerSchema, triggerOf } from './registrations';
import { blobServiceFor, queueServiceFor, type Env } from './storage';
import { blobScheduleMonitor, type ScheduleMonitor } from './timer/schedule-monitor';
import { parseSchedule } from './timer/schedule';

/**
 * The local Functions host: loads the app as the Node.js worker does, then runs its
 * HTTP routes, storage-queue triggers and timers with the Functions host's semantics.
 * The app runs in this process; its app settings are `env` (copied to process.env).
 */
export interface HostOptions {
  appRoot: string;
  /** 0 picks a free port. */
  port: number;
  hostname?: string;
  env: Env;
  /** Load TypeScript sources (dist/X.js → X.ts) instead of compiled output. */
  source: boolean;
  /** Deep-merged over the app's host.json (tests lower polling intervals). */
  hostJsonOverride?: unknown;
  log: HostLog;
  /** Host id for the timers' schedule status (Azure: derived from the site name). */
  hostId?: string;
}

export interface RunningHost {
  port: number;
  baseUrl: string;
  keys: HostKeys;
  functionNames: string[];
  stop(): Promise<void>;
}

function describe(reg: Registration, kind: string, http?: HttpFunction, baseUrl?: string, prefix?: string): string {
  if (http && baseUrl !== undefined) {
    const methods = http.methods ? [...http.methods].join(',') : 'all';
    const path = [prefix, http.route.template.replace(/^\/+/, '')].filter(Boolean).join('/');
    return `${reg.metadata.name}: [${methods}] ${baseUrl}/${path}`;
  }
  return `${reg.metadata.name}: ${kind}`;
}

export async function startHost(opts: HostOptions): Promise<RunningHost> {
  const { log, env } = opts;
  const startedAt = Date.now();
  const hostId = opts.hostId ?? env.AzureFunctionsWebHost__hostid ?? 'devhost';
  const config = hostConfig(readHostJson(opts.appRoot, opts.hostJsonOverride));
  const keys = keysFromSettings(env);

  // Load the app: registrations land in the registry through @azure/functions-core.
  const registry = new CoreRegistry();
  installCoreApi(registry, (level, _category, message) => {
    if (level === 'warning' || level === 'error' || level === 'critical') log.warn(message);
    else log.debug(message);
  });
  const entry = resolveEntryPoints(opts.appRoot, opts.source);
  try {
    loadEntryPoints(entry, (m) => log.debug(m));
  } catch (err) {
    // The worker logs and keeps the functions registered so far (startApp.ts).
    log.error(`Worker was unable to load entry point "${entry.pattern}": ${err instanceof Error ? err.stack ?? err.message : String(err)}`);
  }
  registry.startupFinished = true;
  for (const e of registry.errors) log.error(e);
  const caps = registry.programmingModel?.getCapabilities ? await registry.programmingModel.getCapabilities({}) : {};
  if (caps.HttpUri) throw new Error('app.setup({ enableHttpStream: true }) is not supported by devhost');
  await registry.runHooks('appStart', { hookData: {}, appHookData: registry.appHookData, functionAppDirectory: opts.appRoot });

  const invoker = new Invoker(registry, log);
  const wanted = config.functions?.map((f) => f.toLowerCase());
  const regs = [...registry.functions.values()].filter((r) => !wanted || wanted.includes(r.metadata.name.toLowerCase()));

  const httpFns: HttpFunction[] = [];
  const queues: QueueListener[] = [];
  const timers: TimerListener[] = [];
  const kinds = new Map<string, string>();
  const inError = new Set<Registration>();
  let monitor: ScheduleMonitor | undefined;
  for (const reg of regs) {
    try {
      const trigger = triggerOf(reg);
      kinds.set(reg.metadata.name, trigger.type);
      for (const [name, b] of Object.entries(reg.metadata.bindings)) {
        if (b === trigger.binding || (name === '$return' && b.type.toLowerCase() === 'http')) continue;
        log.warn(`The '${reg.metadata.name}' function declares a ${b.type} ${b.direction === 'out' ? 'output' : 'input'} binding '${name}', which devhost ignores.`);
      }
      if (trigger.kind === 'http') {
        httpFns.push(httpFunction(reg));
      } else if (trigger.kind === 'queue') {
        const b = parseBinding(QueueTriggerSchema, reg, trigger.binding);
        const queueName = resolveAppSettings(b.queueName, env).toLowerCase();
        const service = queueServiceFor(env, b.connection ? resolveAppSettings(b.connection, env) : undefined);
        queues.push(new QueueListener({
          registration: reg,
          bindingName: trigger.bindingName,
          queue: service.getQueueClient(queueName),
          poisonQueue: service.getQueueClient(`${queueName}-poison`),
          options: config.queues,
          invoker,
          log,
        }));
      } else if (trigger.kind === 'timer') {
        const b = parseBinding(TimerTriggerSchema, reg, trigger.binding);
        const schedule = parseSchedule(resolveAppSettings(b.schedule, env));
        const useMonitor = b.useMonitor ?? schedule.defaultUseMonitor;
        if (useMonitor && !monitor) {
          const blobs = blobServiceFor(env);
          if (blobs) monitor = blobScheduleMonitor(blobs.getContainerClient('azure-webjobs-hosts'), hostId);
        }
        timers.push(new TimerListener({
          registration: reg,
          bindingName: trigger.bindingName,
          schedule,
          runOnStartup: b.runOnStartup ?? false,
          monitor: useMonitor ? monitor : undefined,
          invoker,
          log,
        }));
      } else {
        log.warn(`The '${reg.metadata.name}' function uses a ${trigger.type} trigger, which devhost does not run (admin invocation only).`);
      }
    } catch (err) {
      // As in Azure: a function in error is reported and skipped; the others run.
      log.error(`The '${reg.metadata.name}' function is in error: ${err instanceof Error ? err.message : String(err)}`);
      inError.add(reg);
    }
  }

  const pending = new Set<Promise<unknown>>();
  const regByName = new Map(regs.map((r) => [r.metadata.name.toLowerCase(), r]));
  const hostname = opts.hostname ?? '127.0.0.1';
  const server = await startHttpServer({
    host: hostname,
    port: opts.port,
    routePrefix: config.routePrefix,
    router: new HttpRouter(httpFns),
    invoker,
    log,
    demo: demoMountFromEnv(env),
    admin: {
      keys,
      hostId,
      startedAt,
      functions: () => regs.map((r) => ({
        name: r.metadata.name,
        trigger: kinds.get(r.metadata.name) ?? 'unknown',
        inError: inError.has(r),
        queueName: queues.find((q) => q.registration === r)?.queueName,
        bindings: r.metadata.bindings,
      })),
      invocations: () => [...invoker.records.values()],
      invoke: (name, input) => {
        const reg = regByName.get(name.toLowerCase());
        if (!reg) return undefined;
        const started = handleAdminInvoke(reg, input, invoker, adminTimerInput, log);
        if ('error' in started) return started;
        pending.add(started.done);
        void started.done.finally(() => pending.delete(started.done));
        return { invocationId: started.invocationId };
      },
    },
  });
  const baseUrl = `http://${hostname}:${server.port}`;

  for (const q of queues) q.start();
  for (const t of timers) await t.start();

  const lines = regs.filter((r) => !inError.has(r)).map((r) => describe(r, kinds.get(r.metadata.name) ?? 'unknown', httpFns.find((h) => h.registration === r), baseUrl, config.routePrefix));
  log.info(`Functions:\n\n        ${lines.join('\n\n        ')}\n`);
  if (inError.size > 0) log.error(`Functions in error (not running): ${[...inError].map((r) => r.metadata.name).join(', ')}`);
  log.info(`Host started (${randomUUID().slice(0, 8)}), listening on ${baseUrl}`);

  let stopping: Promise<void> | undefined;
  return {
    port: server.port,
    baseUrl,
    keys,
    functionNames: regs.map((r) => r.metadata.name),
    stop: () => {
      stopping ??= (async () => {
        await server.close();
        await Promise.all([...queues.map((q) => q.stop()), ...timers.map((t) => t.stop())]);
        await Promise.allSettled([...pending]);
        await registry.runHooks('appTerminate', { hookData: {}, appHookData: registry.appHookData }).catch((err: unknown) => log.error(`appTerminate hook failed: ${String(err)}`));
      })();
      return stopping;
    },
  };
}
