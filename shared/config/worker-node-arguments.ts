/**
 * The Node.js options the Functions worker runs with: in Azure the app setting
 * `languageWorkers__node__arguments` (infra/main.bicep; a test keeps the two equal), locally
 * the devhost's process (scripts/start.ts, test/support/stack.ts) and the bench's worker.
 *
 * `--max-semi-space-size=8` (MB; Node 20's default on 64-bit is 16): streaming a large mail
 * allocates a short-lived object per MIME line, and V8 answers by growing its young
 * generation to the maximum once, for the life of the process. Measured by
 * `npm run bench -- rss` (3 runs each, 2 cores): the 34 MB mail's peak increase fell from
 * 1.07–1.10 × its size to 0.71–0.77 ×, the 150 MB mail's peak from 198–207 MB to 186–187 MB,
 * with throughput's ratio unchanged (0.12 at concurrency 8) and the 150 MB mail as fast.
 * 4 MB was lower still for the 34 MB mail (0.68–0.89 ×) but took the 150 MB mail 20–40 % longer.
 */
export const WORKER_NODE_ARGUMENTS = '--max-semi-space-size=8';

/** The same, as a process's argument list. */
export const workerNodeArgv = (): string[] => WORKER_NODE_ARGUMENTS.split(' ');
