import { app } from '@azure/functions';
import { MailInboundMessage, QueueNames } from '../shared/queue/contracts';
import { processMail } from '../shared/pipeline/process-mail';
import { processDeps } from '../shared/pipeline/runtime';

/** mail-inbound → one mail to its outcome (ticket / ignored / rejected / failed), exactly once. */
app.storageQueue('processMail', {
  queueName: QueueNames.mailInbound,
  connection: 'AzureWebJobsStorage',
  handler: async (message, context) => {
    const result = await processMail(MailInboundMessage.parse(message), processDeps((m, p) => context.log(m, p ?? '')));
    context.log('mail processed', result);
  },
});
