import { app } from '@azure/functions';
import { adminRoutes } from '../shared/admin/routes';
import { adminApi } from '../shared/admin/api';

/** GET /api/openapi.json — the admin API as OpenAPI 3.1 (public). (public: describes the API, reveals no data) */
const r = adminRoutes.openApi;
app.http(r.name, { route: r.route, methods: [r.method], authLevel: 'anonymous', handler: adminApi.openApi });
