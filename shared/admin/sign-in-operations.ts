import { z } from 'zod';
import { CALLBACK_REFUSAL_TEXT, checkCallback, locateState, startAuthorization } from '../auth/authorization-state';
import { readClientSecret, type OAuthAuth } from '../auth/credential';
import { authorizationUrl, newPkce, redeemCode } from '../auth/delegated-client';
import type { ChannelRecord } from '../config/channel';
import { settings } from '../config/settings';
import { MailChannelError } from '../errors';
import { HttpError } from '../http/api-error';
import type { ApiOperation, ApiResult } from '../http/handler';
import { secretStore } from '../secrets';
import { readChannelRecord } from '../store/channel-repository';
import { readSignIn, saveAuthorizationState, saveRefreshToken, takeAuthorizationState } from '../store/channel-sign-in';
import { NotFoundError } from '../store/errors';
import { SignInStart, SignInStatus, signInViewPath } from './sign-in-view';

/**
 * "Sign in" for a channel with the authorization-code flow:
 * - start (admin): a pending sign-in is stored (authorization-state.ts), the browser gets an
 *   HttpOnly cookie binding it, and a 302 to the provider (or, for the admin page's fetch,
 *   `{ authorizationUrl }` as JSON — a fetch cannot read a redirect's Location);
 * - callback (the channel's redirect URL, anonymous): the state must be live and the cookie
 *   the one of the browser that started; the code is redeemed with the PKCE verifier, the
 *   refresh token stored, and the channel leaves needsReauthorization. The answer is a page
 *   (no script; CSP) saying it worked or what the provider said.
 */
export const BINDING_COOKIE = 'mc_oauth_binding';
const CALLBACK_PATH = '/api/oauth/callback';
const ADMIN_PAGE_PATH = '/api/console/';

function delegatedAuth(record: ChannelRecord): OAuthAuth {
  const auth = record.connection.auth;
  if (auth.type !== 'oauth' || auth.flow !== 'authorizationCode') {
    throw new HttpError(409, 'not_authorization_code', `channel ${record.id} does not use OAuth with flow "authorizationCode" (connection.auth); sign-in is for that flow only`);
  }
  return auth;
}

function redirectUrlOf(auth: OAuthAuth, requestUrl: string): string {
  return auth.redirectUrl ?? `${settings().PUBLIC_BASE_URL ?? new URL(requestUrl).origin}${CALLBACK_PATH}`;
}

async function channelRecord(id: string): Promise<ChannelRecord> {
  const stored = await readChannelRecord(id);
  if (!stored) throw new NotFoundError('channel', id);
  return stored.record;
}

const secrets = () => ({ getSecret: (ref: string) => secretStore().get(ref) });

export const startSignInOperation: ApiOperation = async (req): Promise<ApiResult> => {
  const record = await channelRecord(req.param('id'));
  const auth = delegatedAuth(record);
  const redirectUrl = redirectUrlOf(auth, req.request.url);
  const pkce = await newPkce();
  const now = new Date();
  const started = startAuthorization({ channelId: record.id, startedBy: req.principal.name, codeVerifier: pkce.verifier, redirectUrl, now });
  const url = await authorizationUrl(auth, await readClientSecret(auth, secrets()), {
    protocol: record.connection.protocol,
    redirectUrl,
    state: started.state,
    codeChallenge: pkce.challenge,
    loginHint: record.connection.username,
  });
  await saveAuthorizationState(started.record, now);
  const secure = new URL(redirectUrl).protocol === 'https:';
  // Lax: the provider's redirect back is a top-level GET navigation, which Lax cookies go with.
  const cookie = `${BINDING_COOKIE}=${started.binding}; Path=${CALLBACK_PATH}; Max-Age=600; HttpOnly; SameSite=Lax${secure ? '; Secure' : ''}`;
  const wantsJson = (req.request.headers.get('accept') ?? '').includes('application/json');
  const headers: Record<string, string> = { 'set-cookie': cookie };
  if (wantsJson) return { body: SignInStart.parse({ authorizationUrl: url }), headers };
  return { status: 302, headers: { ...headers, location: url } };
};

const CallbackQuery = z.object({
  state: z.string().max(1024).optional(),
  code: z.string().max(8192).optional(),
  error: z.string().max(256).optional(),
  error_description: z.string().max(4096).optional(),
});

function cookieValue(header: string | null, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

// The binding has done its job (or failed); it is not reused.
const CLEAR_BINDING = `${BINDING_COOKIE}=; Path=${CALLBACK_PATH}; Max-Age=0; HttpOnly; SameSite=Lax`;

/** The page a refused or failed sign-in lands on: plain HTML, no script, nothing remote; a link back to the channel's sign-in. */
export function callbackPage(status: number, title: string, text: string, back: string = ADMIN_PAGE_PATH): ApiResult {
  const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head><body><main><h1>${escapeHtml(title)}</h1><p>${escapeHtml(text)}</p><p><a href="${escapeHtml(back)}">Back to the admin page</a></p></main></body></html>`;
  return {
    status,
    rawBody: Buffer.from(html, 'utf8'),
    headers: {
      'content-type': 'text/html; charset=utf-8',
      'content-security-policy': "default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
      'referrer-policy': 'no-referrer',
      'set-cookie': CLEAR_BINDING,
    },
  };
}

export const signInCallbackOperation: ApiOperation = async (req) => {
  const parsed = CallbackQuery.safeParse(Object.fromEntries(req.request.query.entries()));
  if (!parsed.success) return callbackPage(400, 'Sign-in failed', 'The sign-in answer was malformed. Start the sign-in again from the channel.');
  const q = parsed.data;
  const where = q.state ? locateState(q.state) : undefined;
  const pending = where ? await takeAuthorizationState(where.channelId, where.id) : undefined;
  const check = checkCallback(pending, cookieValue(req.request.headers.get('cookie'), BINDING_COOKIE), new Date());
  if (!check.ok) return callbackPage(400, 'Sign-in refused', CALLBACK_REFUSAL_TEXT[check.reason], where ? signInViewPath(where.channelId) : undefined);
  const { record } = check;
  const back = signInViewPath(record.channelId);
  if (q.error) {
    return callbackPage(400, 'Sign-in failed', `The identity provider answered ${q.error}${q.error_description ? `: ${q.error_description}` : ''}`, back);
  }
  if (!q.code) return callbackPage(400, 'Sign-in failed', 'The identity provider sent no authorization code. Start the sign-in again.', back);
  try {
    const channel = await channelRecord(record.channelId);
    const auth = delegatedAuth(channel);
    const tokens = await redeemCode(auth, await readClientSecret(auth, secrets()), { protocol: channel.connection.protocol, code: q.code, redirectUrl: record.redirectUrl, codeVerifier: record.codeVerifier });
    await saveRefreshToken(channel.id, tokens.refreshToken, secretStore(), { signIn: tokens.account ? { account: tokens.account } : {}, now: new Date() });
    req.context.log(`channel ${channel.id}: signed in${tokens.account ? ` as ${tokens.account}` : ''} (started by ${record.startedBy})`);
    // Back to the page the admin started from, which reads the new state from the status route (nothing about the account travels in the URL).
    return { status: 303, headers: { location: signInViewPath(channel.id), 'set-cookie': CLEAR_BINDING, 'referrer-policy': 'no-referrer' } };
  } catch (err) {
    if (err instanceof MailChannelError || err instanceof HttpError || err instanceof NotFoundError) return callbackPage(400, 'Sign-in failed', err.message, back);
    throw err;
  }
};

export const signInStatusOperation: ApiOperation = async (req) => {
  const record = await channelRecord(req.param('id'));
  delegatedAuth(record);
  const stored = (await readSignIn(record.id))?.record;
  const state = stored?.needsReauthorization ? 'needsReauthorization' : stored?.secretName ? 'signedIn' : 'notSignedIn';
  return {
    body: SignInStatus.parse({
      channelId: record.id,
      state,
      account: stored?.account,
      signedInAt: stored?.signedInAt,
      rotatedAt: stored?.rotatedAt,
      generation: stored?.generation ?? 0,
      error: stored?.needsReauthorization,
      startUrl: `/api/oauth/${encodeURIComponent(record.id)}/start`,
    }),
  };
};
