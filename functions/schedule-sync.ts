import { app } from '@azure/functions';

// Loaded on first use, not at start: Azure loads every entry before the webhook can answer
// Graph's validation handshake (bench cold-start), and these pull in the storage and mail SDKs.
const load = () => Promise.all([import('../shared/pipeline/schedule-sync'), import('../shared/pipeline/runtime')]);

/** Every minute: one mailbox-sync job per published channel that is due (by the due-time index). */
app.timer('scheduleSync', {
  schedule: '0 * * * * *',
  handler: async (_timer, context) => {
    const [{ scheduleSync }, { scheduleDeps }] = await load();
    const report = await scheduleSync(scheduleDeps());
    const { enqueued, contended, dueRead, pages, channelsRead, full, put, removed, failed } = report;
    if (enqueued.length || put || removed || failed.length) {
      context.log(`sync requested for ${enqueued.length} channel(s)`, { enqueued: enqueued.slice(0, 50), contended, dueRead, pages, channelsRead, full, put, removed });
    }
    for (const f of failed) context.error(`sync of channel ${f.channelId} could not be requested: ${f.message}`);
  },
});
