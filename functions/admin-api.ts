import { app } from '@azure/functions';
import { adminRoutes, type AdminRouteKey } from '../shared/admin/routes';
import { adminApi } from '../shared/admin/api';

/**
 * Every admin API route, registered from the one route table (shared/admin/routes.ts), so a
 * route added there is served, documented (OpenAPI) and covered by the 401/403 test without
 * a file of its own here. Each keeps its own function name, route and method, so Azure lists
 * the same functions as before. authLevel anonymous: a host function key is not how admins
 * sign in; the admin check happens in shared/http/admin-auth.ts (openApi is public).
 */
for (const key of Object.keys(adminRoutes) as AdminRouteKey[]) {
  const r = adminRoutes[key];
  app.http(r.name, { route: r.route, methods: [r.method], authLevel: 'anonymous', handler: adminApi[key] });
}
