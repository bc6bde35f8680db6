import { app } from '@azure/functions';
import { scheduleSync } from '../shared/pipeline/schedule-sync';
import { scheduleDeps } from '../shared/pipeline/runtime';

/** Every minute: one mailbox-sync job per published channel that is due. */
app.timer('scheduleSync', {
  schedule: '0 * * * * *',
  handler: async (_timer, context) => {
    const due = await scheduleSync(scheduleDeps());
    if (due.length) context.log(`sync requested for ${due.length} channel(s)`, due);
  },
});
