import { app } from '@azure/functions';
import { signInApi, signInRoutes } from '../shared/admin/sign-in-routes';

/** Sign-in of the authorization-code flow (shared/admin/sign-in-routes.ts); authLevel anonymous: start checks the admin itself. */
for (const key of Object.keys(signInRoutes) as (keyof typeof signInRoutes)[]) {
  const r = signInRoutes[key];
  app.http(r.name, { route: r.route, methods: [r.method], authLevel: 'anonymous', handler: signInApi[key] });
}
