import { z } from 'zod';

/** What the admin page shows about a channel's sign-in (its sign-in view and banner): signed in as whom, or why it needs a new sign-in. */
export const SignInStatus = z.object({
  channelId: z.string(),
  state: z.enum(['notSignedIn', 'signedIn', 'needsReauthorization']),
  account: z.string().optional(),
  signedInAt: z.string().optional(),
  rotatedAt: z.string().optional(),
  /** How many refresh tokens were stored so far (sign-ins and rotations). */
  generation: z.number().int(),
  error: z.object({ code: z.string(), message: z.string(), at: z.string() }).optional(),
  startUrl: z.string(),
});
export type SignInStatus = z.infer<typeof SignInStatus>;

/** The start route's answer to a fetch (Accept: application/json): a fetch cannot read a redirect's Location. */
export const SignInStart = z.object({ authorizationUrl: z.url() });
export type SignInStart = z.infer<typeof SignInStart>;

/** Where the callback sends the browser after a sign-in: the channel's sign-in view in the admin page. */
export function signInViewPath(channelId: string): string {
  return `/api/console/#/channels/${encodeURIComponent(channelId)}/sign-in`;
}
