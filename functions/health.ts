import { app } from '@azure/functions';

// Loaded on first use, not at start: Azure loads every entry before the webhook can answer
// Graph's validation handshake (bench cold-start), and these pull in the storage and mail SDKs.
const load = () => import('../shared/admin/health');

/** GET /api/health — liveness and dependency checks; anonymous, reveals no configuration. */
app.http('health', {
  route: 'health',
  methods: ['GET'],
  authLevel: 'anonymous',
  handler: async () => {
    const report = await (await load()).healthReport();
    return { status: report.ok ? 200 : 503, jsonBody: report };
  },
});
