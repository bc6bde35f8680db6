import { app } from '@azure/functions';

// Loaded on first use, not at start: Azure loads every entry before the webhook can answer
// Graph's validation handshake (bench cold-start), and these pull in the storage and mail SDKs.
const load = () => Promise.all([import('../shared/outbound/sweep'), import('../shared/outbound/runtime')]);

/** Every 5 minutes: outbox records whose queue message was lost are queued again (shared/outbound/sweep.ts). */
app.timer('sweepOutbox', {
  schedule: '0 */5 * * * *',
  handler: async (_timer, context) => {
    const [{ sweepOutbox }, { sweepDeps }] = await load();
    const report = await sweepOutbox(sweepDeps());
    if (report.requeued.length || report.abandoned.length) context.log('outbox sweep', report);
  },
});
