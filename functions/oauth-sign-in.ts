import { app, type HttpRequest, type InvocationContext } from '@azure/functions';
import { signInRoutes } from '../shared/admin/sign-in-routes';

// Loaded on first use, not at start (as functions/admin-api.ts): MSAL, Cosmos and the secret store stay out of the worker's start.
const load = () => import('../shared/admin/sign-in-api');

/** Sign-in of the authorization-code flow (shared/admin/sign-in-routes.ts); authLevel anonymous: start and status check the admin themselves. */
for (const key of Object.keys(signInRoutes) as (keyof typeof signInRoutes)[]) {
  const r = signInRoutes[key];
  app.http(r.name, {
    route: r.route,
    methods: [r.method],
    authLevel: 'anonymous',
    handler: async (request: HttpRequest, context: InvocationContext) => (await load()).signInApi[key](request, context),
  });
}
