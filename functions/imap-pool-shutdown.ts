import { app } from '@azure/functions';
import { drainProcessImapPool } from '../shared/sources/imap-pool';

/**
 * When the host stops this worker (Azure: scale-in, restart, deploy; locally: devhost's
 * stop), the IMAP sessions it keeps for the next mail are logged out instead of being cut
 * off. Idle sockets never keep the process alive either way (see imap-pool.ts).
 */
app.hook.appTerminate(() => drainProcessImapPool());
