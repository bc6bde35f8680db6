import path from 'node:path';
import { app } from '@azure/functions';

/** A module's path without extension (.js compiled, .ts under tsx). */
const modulePath = (...parts: string[]) => path.join(__dirname, '..', 'shared', ...parts) + '.';
const poolModule = modulePath('sources', 'imap-pool');
const statsModule = modulePath('store', 'channel-stats');
/** Whether this process loaded the module: one it never loaded holds nothing to finish. */
const loaded = (module: string) => Object.keys(require.cache).some((k) => k.startsWith(module));

/**
 * When the host stops this worker (Azure: scale-in, restart, deploy; locally: devhost's
 * stop), what the worker keeps for later is finished instead of being cut off:
 * - the stats counts that wait for their second's write (store/channel-stats.ts) are written;
 * - the IMAP sessions it keeps for the next mail are logged out (idle sockets never keep the
 *   process alive either way, see imap-pool.ts).
 * Neither module is imported at start (the pool loads imapflow; see bench cold-start).
 */
app.hook.appTerminate(async () => {
  await Promise.all([
    loaded(statsModule) ? (await import('../shared/store/channel-stats')).flushPendingCounts() : undefined,
    loaded(poolModule) ? (await import('../shared/sources/imap-pool')).drainProcessImapPool() : undefined,
  ]);
});
