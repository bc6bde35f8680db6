import { app } from '@azure/functions';

// Loaded on first use, not at start: Azure loads every entry before the webhook can answer
// Graph's validation handshake (bench cold-start), and this pulls in the Cosmos SDK.
const load = () => import('../shared/store/thread-index');

/** A run stops starting pages after this long; the next run goes on. */
const RUN_BUDGET_MS = 60_000;

/**
 * Every 5 minutes, until none are left: thread-index entries written before they moved
 * beside the ledger go there (shared/store/thread-index.ts `moveLegacyEntries`), so
 * lookups stop reading two places. On a deployment that never had any, one query per
 * instance and 10 minutes says so.
 */
app.timer('moveThreadEntries', {
  schedule: '30 */5 * * * *',
  handler: async (_timer, context) => {
    const { moveLegacyEntries } = await load();
    const started = Date.now();
    let moved = 0;
    for (;;) {
      const page = await moveLegacyEntries();
      moved += page.moved;
      if (page.unreadable.length) context.warn('thread-index entries that fail the schema were moved as they were; a mail that names one fails as before', { ids: page.unreadable });
      if (!page.remaining || Date.now() - started > RUN_BUDGET_MS) {
        if (moved) context.log('thread-index entries moved beside the ledger', { moved, remaining: page.remaining });
        return;
      }
    }
  },
});
