/**
 * The Node.js options the Functions worker runs with: in Azure the app setting
 * `languageWorkers__node__arguments` (infra/main.bicep; a test keeps the two equal), locally
 * the devhost's process (scripts/start.ts, test/support/stack.ts) and the bench's worker.
 *
 * `--max-semi-space-size=8` (MB; Node 20's default on 64-bit is 16): streaming a large mail
 * allocates a short-lived object per MIME line, and V8 answers by growing its young
 * generation to the maximum once, for the life of the process. Measured by
 * `npm run bench -- rss` (3 runs each, 2 cores): the 34 MB mail's peak increase fell from
 * 1.07–1.10 × its size to 0.67–0.77 ×, the 150 MB mail's peak from 198–207 MB to 182–187 MB,
 * the 150 MB mail as fast. Throughput stayed within this machine's run-to-run spread
 * (concurrency 8, ratio 0.12–0.13 against 0.12–0.14 with the default; worker CPU per mail
 * 17.5–22.8 ms against 16.2–20.9 ms): more frequent young collections cost at most about
 * a tenth. 4 MB was no better for the 34 MB mail (0.68–0.89 ×) and took the 150 MB mail
 * 20–40 % longer.
 */
export const WORKER_NODE_ARGUMENTS = '--max-semi-space-size=8';

/** The same, as a process's argument list. */
export const workerNodeArgv = (): string[] => WORKER_NODE_ARGUMENTS.split(' ');
