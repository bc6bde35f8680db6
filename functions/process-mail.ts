import { app } from '@azure/functions';
import { MailInboundMessage, QueueNames } from '../shared/queue/contracts';

// Loaded on first use, not at start: Azure loads every entry before the webhook can answer
// Graph's validation handshake (bench cold-start), and these pull in the storage and mail SDKs.
const load = () => Promise.all([import('../shared/pipeline/process-mail'), import('../shared/pipeline/runtime')]);

/** mail-inbound → one mail to its outcome (ticket / ignored / rejected / failed), exactly once. */
app.storageQueue('processMail', {
  queueName: QueueNames.mailInbound,
  connection: 'AzureWebJobsStorage',
  handler: async (message, context) => {
    const [{ processMail }, { processDeps }] = await load();
    // the queue message id stays the same across redeliveries: it is who holds the mail's claim
    const id = context.triggerMetadata?.id;
    const result = await processMail(MailInboundMessage.parse(message), processDeps((m, p) => context.log(m, p ?? '')), { id: typeof id === 'string' ? id : undefined });
    context.log('mail processed', result);
  },
});
