import { app } from '@azure/functions';
import { QueueNames } from '../shared/queue/contracts';

// Loaded on first use, not at start: Azure loads every entry before the webhook can answer
// Graph's validation handshake (bench cold-start), and these pull in the storage and mail SDKs.
const load = () => Promise.all([import('../shared/pipeline/record-failure'), import('../shared/pipeline/runtime'), import('../shared/telemetry')]);

/** mail-inbound-poison → the mail is recorded as failed and moved to the fail folder. */
app.storageQueue('recordFailure', {
  queueName: QueueNames.mailInboundPoison,
  connection: 'AzureWebJobsStorage',
  handler: async (message, context) => {
    const [{ recordFailure }, { processDeps }, { recordPoisonMessage }] = await load();
    const result = await recordFailure(message, processDeps((m, p) => context.log(m, p ?? '')));
    context.log('poison mail handled', result);
    recordPoisonMessage({ result });
  },
});
