import { app } from '@azure/functions';
import { QueueNames } from '../shared/queue/contracts';
import { recordFailure } from '../shared/pipeline/record-failure';
import { processDeps } from '../shared/pipeline/runtime';
import { recordPoisonMessage } from '../shared/telemetry';

/** mail-inbound-poison → the mail is recorded as failed and moved to the fail folder. */
app.storageQueue('recordFailure', {
  queueName: QueueNames.mailInboundPoison,
  connection: 'AzureWebJobsStorage',
  handler: async (message, context) => {
    const result = await recordFailure(message, processDeps((m, p) => context.log(m, p ?? '')));
    context.log('poison mail handled', result);
    recordPoisonMessage({ result });
  },
});
