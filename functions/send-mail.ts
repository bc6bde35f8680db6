import { app } from '@azure/functions';
import { MailOutboundMessage, QueueNames } from '../shared/queue/contracts';

// Loaded on first use, not at start: Azure loads every entry before the webhook can answer
// Graph's validation handshake (bench cold-start), and these pull in the storage and mail SDKs.
const load = () => Promise.all([import('../shared/outbound/send-job'), import('../shared/outbound/runtime')]);

/** mail-outbound → one outbox record's mail sent, once (shared/outbound/send-job.ts). */
app.storageQueue('sendMail', {
  queueName: QueueNames.mailOutbound,
  connection: 'AzureWebJobsStorage',
  handler: async (message, context) => {
    const [{ sendOutbound }, { sendJobDeps }] = await load();
    // the queue message id stays the same across redeliveries: it holds the record's claim
    const id = context.triggerMetadata?.id;
    const result = await sendOutbound(MailOutboundMessage.parse(message), sendJobDeps((m, p) => context.log(m, p ?? '')), { id: typeof id === 'string' ? id : undefined });
    context.log('outbound mail', result);
  },
});

/** mail-outbound-poison → the outbox record is failed with its last error. */
app.storageQueue('recordSendFailure', {
  queueName: QueueNames.mailOutboundPoison,
  connection: 'AzureWebJobsStorage',
  handler: async (message, context) => {
    const [{ recordSendFailure }, { sendJobDeps }] = await load();
    const result = await recordSendFailure(MailOutboundMessage.parse(message), sendJobDeps((m, p) => context.log(m, p ?? '')));
    context.log('outbound mail given up', result);
  },
});
