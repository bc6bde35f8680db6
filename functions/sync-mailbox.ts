import { app } from '@azure/functions';
import { MailboxSyncMessage, QueueNames } from '../shared/queue/contracts';

// Loaded on first use, not at start: Azure loads every entry before the webhook can answer
// Graph's validation handshake (bench cold-start), and these pull in the storage and mail SDKs.
const load = () => Promise.all([import('../shared/pipeline/sync-mailbox'), import('../shared/pipeline/runtime')]);

/** mailbox-sync → list new mail of one channel → one mail-inbound message per mail. */
app.storageQueue('syncMailbox', {
  queueName: QueueNames.mailboxSync,
  connection: 'AzureWebJobsStorage',
  handler: async (message, context) => {
    const [{ syncMailbox }, { syncDeps }] = await load();
    const report = await syncMailbox(MailboxSyncMessage.parse(message), syncDeps((m, p) => context.log(m, p ?? '')));
    context.log('mailbox synced', report);
  },
});
