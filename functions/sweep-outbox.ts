import { app } from '@azure/functions';
import { sweepDeps } from '../shared/outbound/runtime';
import { sweepOutbox } from '../shared/outbound/sweep';

/** Every 5 minutes: outbox records whose queue message was lost are queued again (shared/outbound/sweep.ts). */
app.timer('sweepOutbox', {
  schedule: '0 */5 * * * *',
  handler: async (_timer, context) => {
    const report = await sweepOutbox(sweepDeps());
    if (report.requeued.length || report.abandoned.length) context.log('outbox sweep', report);
  },
});
