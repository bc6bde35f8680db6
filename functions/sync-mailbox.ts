import { app } from '@azure/functions';
import { MailboxSyncMessage, QueueNames } from '../shared/queue/contracts';
import { syncMailbox } from '../shared/pipeline/sync-mailbox';
import { syncDeps } from '../shared/pipeline/runtime';

/** mailbox-sync → list new mail of one channel → one mail-inbound message per mail. */
app.storageQueue('syncMailbox', {
  queueName: QueueNames.mailboxSync,
  connection: 'AzureWebJobsStorage',
  handler: async (message, context) => {
    const report = await syncMailbox(MailboxSyncMessage.parse(message), syncDeps((m, p) => context.log(m, p ?? '')));
    context.log('mailbox synced', report);
  },
});
