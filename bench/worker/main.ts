import fs from 'node:fs';
import { Command, Request, type Reply } from '../protocol';
import { parseFile, runBaseline } from './baseline';
import { runFloor } from './floor';
import { setupChannel } from './channel';
import { list, processListed } from './process';
import { queuedOutbox, sendOutboxed } from './send';
import { drainQueue, syncAndDrain, syncToQueue } from './queue-drain';
import { verifyChannel } from './verify';

/**
 * The benchmark worker: a child process that plays the Function App. Its environment (app
 * settings) is set before it starts, so the runtime modules read it as in Azure; the driver
 * sends commands over IPC (bench/protocol.ts) and reads the figures back. Commands run one
 * at a time, in the order sent.
 */
async function run(command: Command): Promise<Reply<Command['op']>> {
  switch (command.op) {
    case 'setupChannel':
      return setupChannel(command.channel, command.settings);
    case 'list':
      return list(command.channelId);
    case 'process':
      return processListed(command.channelId, command.concurrency, command.count, command.timeDeps, command.retries);
    case 'baseline':
      return runBaseline(command.count, command.concurrency, command.tag, command.to, command.raws?.map((r) => Buffer.from(r, 'base64')));
    case 'floor':
      return runFloor(command.channelId, command.concurrency);
    case 'syncToQueue':
      return syncToQueue(command.channelId);
    case 'drainQueue':
      return drainQueue(command.expected, command.parallel);
    case 'syncAndDrain':
      return syncAndDrain(command.channelId, command.expected, command.parallel);
    case 'verify':
      return verifyChannel(command.channelId);
    case 'parseFile':
      return parseFile(command.path);
    case 'queuedOutbox':
      return queuedOutbox(command.channelId);
    case 'send':
      return sendOutboxed(command.channelId, command.outboxIds, command.concurrency, command.retries);
    case 'memory': {
      // two passes: the first may only queue finalizers that free external (Buffer) memory
      global.gc?.();
      global.gc?.();
      const m = process.memoryUsage();
      const report = { rssBytes: m.rss, maxRssBytes: process.resourceUsage().maxRSS * 1024, peakRssBytes: kernelPeakRss(), heapUsedBytes: m.heapUsed, externalBytes: m.external, arrayBuffersBytes: m.arrayBuffers };
      if (command.resetPeak) resetKernelPeakRss();
      return report;
    }
  }
}

/** VmHWM from /proc/self/status: the peak RSS of this process image (unlike ru_maxrss, not inherited from the forking parent). */
function kernelPeakRss(): number | null {
  try {
    const kb = /^VmHWM:\s+(\d+) kB$/m.exec(fs.readFileSync('/proc/self/status', 'utf8'))?.[1];
    return kb === undefined ? null : Number(kb) * 1024;
  } catch {
    return null;
  }
}

/** Restarts VmHWM from the RSS now (Linux ≥ 4.0: "5" to clear_refs); a no-op elsewhere. */
function resetKernelPeakRss(): void {
  try {
    fs.writeFileSync('/proc/self/clear_refs', '5');
  } catch {
    // no /proc: the peak stays the process's since it started
  }
}

if (!process.send) {
  console.error('bench/worker/main.ts runs as a child of bench/run.ts (it needs an IPC channel)');
  process.exit(2);
}

let chain: Promise<void> = Promise.resolve();
process.on('message', (raw: unknown) => {
  chain = chain.then(async () => {
    const parsed = Request.safeParse(raw);
    if (!parsed.success) {
      process.send?.({ id: (raw as { id?: unknown })?.id ?? -1, ok: false, error: `bad request: ${parsed.error.message}` });
      return;
    }
    const { id, command } = parsed.data;
    try {
      process.send?.({ id, ok: true, result: await run(command) });
    } catch (err) {
      process.send?.({ id, ok: false, error: err instanceof Error ? (err.stack ?? err.message) : String(err) });
    }
  });
});
process.on('disconnect', () => process.exit(0));
process.send({ ready: true });
