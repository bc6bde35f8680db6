import type { HttpHandler } from '@azure/functions';
import { routeHandler } from '../http/handler';
import { signInRoutes } from './sign-in-routes';
import { signInCallbackOperation, signInStatusOperation, startSignInOperation } from './sign-in-operations';

/** The handlers of the sign-in routes, each wrapped by the admin API's edge rules (shared/http/handler.ts). */
export const signInApi: Record<keyof typeof signInRoutes, HttpHandler> = {
  oauthStart: routeHandler(signInRoutes.oauthStart, startSignInOperation),
  oauthStatus: routeHandler(signInRoutes.oauthStatus, signInStatusOperation),
  oauthCallback: routeHandler(signInRoutes.oauthCallback, signInCallbackOperation),
};
