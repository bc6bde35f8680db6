import { app } from '@azure/functions';

// Loaded on first use, not at start: Azure loads every entry before the webhook can answer
// Graph's validation handshake (bench cold-start), and these pull in the storage and mail SDKs.
const load = () => Promise.all([import('../shared/pipeline/schedule-sync'), import('../shared/pipeline/runtime')]);

/** Every minute: one mailbox-sync job per published channel that is due. */
app.timer('scheduleSync', {
  schedule: '0 * * * * *',
  handler: async (_timer, context) => {
    const [{ scheduleSync }, { scheduleDeps }] = await load();
    const due = await scheduleSync(scheduleDeps());
    if (due.length) context.log(`sync requested for ${due.length} channel(s)`, due);
  },
});
