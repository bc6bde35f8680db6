import type { RouteDef } from './routes';

/**
 * The sign-in routes of the authorization-code flow. start is an admin route (401/403 without
 * the admin identity); callback is the channel's redirect URL, public but only good with a live
 * state and the starting browser's cookie. Kept beside the admin route table until they join it.
 */
export const signInRoutes = {
  oauthStart: { name: 'adminOAuthStart', method: 'GET', route: 'oauth/{id}/start', summary: "Sign in a channel with the authorization-code flow: 302 to the provider's authorization endpoint (PKCE S256, state bound to this browser); Accept: application/json answers { authorizationUrl }", admin: true },
  oauthStatus: { name: 'adminOAuthStatus', method: 'GET', route: 'oauth/{id}/status', summary: "A channel's sign-in: notSignedIn, signedIn (as whom, last rotation) or needsReauthorization with the provider's error", admin: true },
  oauthCallback: { name: 'oauthCallback', method: 'GET', route: 'oauth/callback', summary: "The channel's redirect URL: redeems the code, stores the refresh token, and shows a page", admin: false },
} as const satisfies Record<string, RouteDef>;
