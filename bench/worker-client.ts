import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { z } from 'zod';
import { Replies, Response, type CommandInput, type Reply } from './protocol';
import { workerNodeArgv } from '../shared/config/worker-node-arguments';

/**
 * The driver's handle on a worker process (bench/worker/main.ts): starts it with the
 * world's app settings, sends commands, validates the answers. One worker per benchmark,
 * so each starts from a clean process (no caches, no heap left over from another run).
 */
export interface Worker {
  readonly pid: number;
  call<C extends CommandInput>(command: C, timeoutMs?: number): Promise<Reply<C['op']>>;
  stop(): Promise<void>;
}

const MAIN = path.join(__dirname, 'worker', 'main.ts');
const DEFAULT_TIMEOUT_MS = 5 * 60_000;

export async function startWorker(env: Record<string, string>): Promise<Worker> {
  const child: ChildProcess = fork(MAIN, [], {
    // tsx for TypeScript; gc exposed so memory can be read after a full collection
    // BENCH_WORKER_NODE_ARGS adds Node options to the worker only, e.g. "--cpu-prof --cpu-prof-dir=.local/prof"
    // the worker's options in Azure, then any the run adds (a later V8 option wins: BENCH_WORKER_NODE_ARGS=--max-semi-space-size=16 measures Node's default)
    execArgv: ['--import', 'tsx', '--expose-gc', ...workerNodeArgv(), ...(process.env.BENCH_WORKER_NODE_ARGS?.split(/\s+/).filter(Boolean) ?? [])],
    env: { ...process.env, ...env, NODE_ENV: 'production' },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void; timer: NodeJS.Timeout }>();
  let seq = 0;
  let exited = false;
  child.on('message', (raw: unknown) => {
    const parsed = Response.safeParse(raw);
    if (!parsed.success) return; // the ready signal
    const p = pending.get(parsed.data.id);
    if (!p) return;
    pending.delete(parsed.data.id);
    clearTimeout(p.timer);
    if (parsed.data.ok) p.resolve(parsed.data.result);
    else p.reject(new Error(`worker: ${parsed.data.error}`));
  });
  child.on('exit', (code, signal) => {
    exited = true;
    for (const p of pending.values()) {
      clearTimeout(p.timer);
      p.reject(new Error(`worker exited (${code ?? signal}) before answering`));
    }
    pending.clear();
  });
  await new Promise<void>((resolve, reject) => {
    const onMessage = (m: unknown) => {
      if ((m as { ready?: unknown })?.ready) {
        child.off('exit', onExit);
        resolve();
      }
    };
    const onExit = (code: number | null) => reject(new Error(`worker exited (${code}) while starting`));
    child.once('exit', onExit);
    child.on('message', onMessage);
  });
  return {
    pid: child.pid ?? -1,
    async call(command, timeoutMs = DEFAULT_TIMEOUT_MS) {
      if (exited) throw new Error('worker has exited');
      const id = ++seq;
      const result = await new Promise<unknown>((resolve, reject) => {
        const timer = setTimeout(() => {
          pending.delete(id);
          reject(new Error(`worker: "${command.op}" took longer than ${Math.round(timeoutMs / 1000)} s`));
        }, timeoutMs);
        pending.set(id, { resolve, reject, timer });
        child.send({ id, command });
      });
      return (Replies[command.op] as z.ZodType).parse(result) as never;
    },
    async stop() {
      if (exited) return;
      const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.disconnect();
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await gone;
      clearTimeout(timer);
    },
  };
}
