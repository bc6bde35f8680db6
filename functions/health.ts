import { app } from '@azure/functions';
import { healthReport } from '../shared/admin/health';

/** GET /api/health — liveness and dependency checks; anonymous, reveals no configuration. */
app.http('health', {
  route: 'health',
  methods: ['GET'],
  authLevel: 'anonymous',
  handler: async () => {
    const report = await healthReport();
    return { status: report.ok ? 200 : 503, jsonBody: report };
  },
});
