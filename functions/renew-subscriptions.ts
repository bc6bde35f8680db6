import { app } from '@azure/functions';

// Loaded on first use, not at start: Azure loads every entry before the webhook can answer
// Graph's validation handshake (bench cold-start), and these pull in the storage and mail SDKs.
const load = () => import('../shared/notifications/runtime');

/**
 * Every minute: every published Graph channel's read folders have a live change
 * subscription — created when missing, renewed at its own point 36 to 12 hours before
 * expiry (spread, so subscriptions made together are not renewed together) or when Graph
 * asked (reauthorizationRequired), recreated when Graph removed it — and subscriptions of
 * paused, deleted or no-longer-Graph channels are deleted; at most 100 Graph calls a run,
 * most urgent first. Most runs read only the records with something to do and the
 * channels written since the last run (indexed queries); the full pass runs hourly.
 * Running every minute is what lets a lifecycle event be answered within a minute
 * without a Graph call in the notification handler.
 * Without PUBLIC_BASE_URL (local dev) it does nothing: polling still reads the mailboxes.
 */
app.timer('renewSubscriptions', {
  schedule: '0 * * * * *',
  handler: async (_timer, context) => {
    await (await load()).runSubscriptionMaintenance(context);
  },
});
