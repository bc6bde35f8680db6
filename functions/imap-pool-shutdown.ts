import path from 'node:path';
import { app } from '@azure/functions';

/** The pool module's path without extension (.js compiled, .ts under tsx). */
const poolModule = path.join(__dirname, '..', 'shared', 'sources', 'imap-pool.');

/**
 * When the host stops this worker (Azure: scale-in, restart, deploy; locally: devhost's
 * stop), the IMAP sessions it keeps for the next mail are logged out instead of being cut
 * off. Idle sockets never keep the process alive either way (see imap-pool.ts).
 */
app.hook.appTerminate(async () => {
  // Not imported at start (it loads imapflow; see bench cold-start): a process in which no
  // sync loaded the pool has no IMAP session to log out.
  if (!Object.keys(require.cache).some((k) => k.startsWith(poolModule))) return;
  await (await import('../shared/sources/imap-pool')).drainProcessImapPool();
});
