import { app, type HttpRequest, type InvocationContext } from '@azure/functions';
import { adminRoutes, type AdminRouteKey } from '../shared/admin/routes';

// Loaded on first use, not at start: Azure loads every entry before the webhook can answer
// Graph's validation handshake (bench cold-start), and these pull in the storage and mail SDKs.
const load = () => import('../shared/admin/api');

/**
 * Every admin API route, registered from the one route table (shared/admin/routes.ts), so a
 * route added there is served, documented (OpenAPI) and covered by the 401/403 test without
 * a file of its own here. Each keeps its own function name, route and method, so Azure lists
 * the same functions as before. authLevel anonymous: a host function key is not how admins
 * sign in; the admin check happens in shared/http/admin-auth.ts (openApi is public).
 */
for (const key of Object.keys(adminRoutes) as AdminRouteKey[]) {
  const r = adminRoutes[key];
  app.http(r.name, {
    route: r.route,
    methods: [r.method],
    authLevel: 'anonymous',
    handler: async (request: HttpRequest, context: InvocationContext) => (await load()).adminApi[key](request, context),
  });
}
