import path from 'node:path';
import { parseArgs } from 'node:util';
import { startHost } from './host';
import { consoleLog } from './host-log';

/**
 * `node --import tsx devhost/cli.ts [--app-root DIR] [--port 7071] [--compiled]
 *   [--host-json-override JSON] [--verbose] [--exit-with-parent]`
 *
 * Runs the local Functions host in this process. App settings are this process's
 * environment (scripts/start.ts and test/support/stack.ts pass them). When the host is
 * ready it prints one line `DEVHOST_READY {"port":..,"baseUrl":..,"masterKey":..,"hostKey":..}`
 * for the parent process. SIGINT/SIGTERM stop it gracefully (running invocations finish).
 */
const { values } = parseArgs({
  options: {
    'app-root': { type: 'string', default: process.cwd() },
    port: { type: 'string', default: process.env.FUNCTIONS_HTTPWORKER_PORT ?? '7071' },
    compiled: { type: 'boolean', default: false },
    'host-json-override': { type: 'string' },
    verbose: { type: 'boolean', default: false },
    'exit-with-parent': { type: 'boolean', default: false },
  },
});

async function main(): Promise<void> {
  const log = consoleLog(values.verbose);
  const appRoot = path.resolve(values['app-root']);
  process.chdir(appRoot);
  const host = await startHost({
    appRoot,
    port: Number(values.port),
    env: process.env,
    source: !values.compiled,
    hostJsonOverride: values['host-json-override'] ? JSON.parse(values['host-json-override']) : undefined,
    log,
  });
  process.stdout.write(`DEVHOST_READY ${JSON.stringify({ port: host.port, baseUrl: host.baseUrl, masterKey: host.keys.master, hostKey: host.keys.host.default })}\n`);

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info(`${signal}: stopping the host`);
    const force = setTimeout(() => process.exit(1), 30_000);
    force.unref();
    host.stop().then(() => process.exit(0), (err: unknown) => {
      log.error(`stop failed: ${String(err)}`);
      process.exit(1);
    });
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  if (values['exit-with-parent']) {
    // The parent holds our stdin open; when it goes away (even killed), so do we.
    process.stdin.on('close', () => shutdown('parent gone'));
    process.stdin.on('end', () => shutdown('parent gone'));
    process.stdin.resume();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`devhost failed to start: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
  process.exit(1);
});
