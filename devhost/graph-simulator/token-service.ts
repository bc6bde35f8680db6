import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { readBody, requestIds, sendJson } from './http-util';
import { AuthorizationCodeGrants, type DelegatedGrant } from './authorization-code';
import { consentPage, escapeHtml, redirectWith } from './consent-page';

/**
 * The Entra ID stand-in: OpenID discovery and the v2.0 token endpoint for the
 * client-credentials grant, with Entra's real error bodies (`invalid_client` /
 * AADSTS7000215 for a wrong secret, AADSTS700016 for an unknown app, AADSTS90002 for an
 * unknown tenant). Access tokens are JWT-shaped (header.claims.signature) and remembered,
 * so the Graph endpoints can check them.
 */
export interface AppRegistration {
  tenantId: string;
  clientId: string;
  clientSecret: string;
}

export interface IssuedToken {
  appId: string;
  tenantId: string;
  /** `https://graph.microsoft.com` or `https://outlook.office365.com`. */
  audience: string;
  expiresAt: number;
  /** Delegated (authorization-code) tokens: the signed-in user; absent for app-only tokens. */
  user?: string;
}

export const KNOWN_RESOURCES = ['https://graph.microsoft.com', 'https://outlook.office365.com', 'https://outlook.office.com'];

export class TokenService {
  readonly issued = new Map<string, IssuedToken>();
  private readonly signingKey = randomBytes(32);
  tokenRequests = 0;
  /** Introspection requests answered (Dovecot's oauth2 passdb asks once per XOAUTH2 login). */
  introspections = 0;
  /** Refresh-token lifetime (ms) for tokens issued from now on; tests shorten it to see expiry. */
  refreshTokenLifetimeMs = 90 * 24 * 3600_000;
  readonly grants = new AuthorizationCodeGrants(() => this.refreshTokenLifetimeMs);

  constructor(
    private readonly apps: AppRegistration[],
    private readonly origin: () => string,
    private readonly lifetimeSeconds: number,
  ) {}

  /** Handles `/{tenant}/...` paths; returns false when the path is not the token service's. */
  async handle(req: IncomingMessage, res: ServerResponse, path: string): Promise<boolean> {
    const discovery = /^\/([^/]+)\/v2\.0\/\.well-known\/openid-configuration$/.exec(path);
    if (discovery && req.method === 'GET') {
      this.discovery(req, res, decodeURIComponent(discovery[1] ?? ''));
      return true;
    }
    const authorize = /^\/([^/]+)\/oauth2\/v2\.0\/authorize$/.exec(path);
    if (authorize && (req.method === 'GET' || req.method === 'POST')) {
      await this.authorize(req, res, decodeURIComponent(authorize[1] ?? ''));
      return true;
    }
    const introspect = /^\/([^/]+)\/oauth2\/v2\.0\/introspect$/.exec(path);
    if (introspect && req.method === 'POST') {
      this.introspections++;
      await this.introspect(req, res);
      return true;
    }
    const token = /^\/([^/]+)\/oauth2\/v2\.0\/token$/.exec(path);
    if (token && req.method === 'POST') {
      this.tokenRequests++;
      await this.token(req, res, decodeURIComponent(token[1] ?? ''));
      return true;
    }
    return false;
  }

  /** Every access token issued so far stops working (as after a key rollover). */
  revokeAll(): void {
    this.issued.clear();
  }

  private knownTenant(tenant: string): boolean {
    return this.apps.some((a) => a.tenantId.toLowerCase() === tenant.toLowerCase());
  }

  private discovery(req: IncomingMessage, res: ServerResponse, tenant: string): void {
    const ids = requestIds(req);
    if (!this.knownTenant(tenant)) {
      sendJson(res, ids, 400, {
        error: 'invalid_tenant',
        error_description: `AADSTS90002: Tenant '${tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.`,
        error_codes: [90002],
      });
      return;
    }
    const base = `${this.origin()}/${tenant}`;
    sendJson(res, ids, 200, {
      token_endpoint: `${base}/oauth2/v2.0/token`,
      token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
      jwks_uri: `${base}/discovery/v2.0/keys`,
      response_modes_supported: ['query', 'fragment', 'form_post'],
      subject_types_supported: ['pairwise'],
      id_token_signing_alg_values_supported: ['RS256'],
      response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
      scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
      issuer: `${base}/v2.0`,
      request_uri_parameter_supported: false,
      userinfo_endpoint: `${this.origin()}/oidc/userinfo`,
      authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
      // Not Entra's: the simulator's RFC 7662 endpoint, for a local IMAP server (introspect()).
      introspection_endpoint: `${base}/oauth2/v2.0/introspect`,
      device_authorization_endpoint: `${base}/oauth2/v2.0/devicecode`,
      http_logout_supported: true,
      frontchannel_logout_supported: true,
      end_session_endpoint: `${base}/oauth2/v2.0/logout`,
      claims_supported: ['sub', 'iss', 'aud', 'exp', 'iat', 'nbf', 'tid', 'oid'],
      tenant_region_scope: 'EU',
      cloud_instance_name: 'microsoftonline.com',
      cloud_graph_host_name: 'graph.windows.net',
      msgraph_host: 'graph.microsoft.com',
      rbac_url: 'https://pas.windows.net',
    });
  }

  private entraError(res: ServerResponse, req: IncomingMessage, status: number, error: string, code: number, description: string): void {
    const ids = requestIds(req);
    const traceId = randomUUID();
    const timestamp = new Date().toISOString().replace('T', ' ').slice(0, 19) + 'Z';
    sendJson(res, ids, status, {
      error,
      error_description: `AADSTS${code}: ${description}\r\nTrace ID: ${traceId}\r\nCorrelation ID: ${ids.clientRequestId}\r\nTimestamp: ${timestamp}`,
      error_codes: [code],
      timestamp,
      trace_id: traceId,
      correlation_id: ids.clientRequestId,
      error_uri: `${this.origin()}/error?code=${code}`,
    });
  }

  private async token(req: IncomingMessage, res: ServerResponse, tenant: string): Promise<void> {
    const form = new URLSearchParams((await readBody(req)).toString('utf8'));
    // client_secret_basic is allowed too.
    let clientId = form.get('client_id') ?? '';
    let secret = form.get('client_secret') ?? '';
    const basic = /^Basic (.+)$/i.exec(req.headers.authorization ?? '');
    if (basic?.[1]) {
      const [id, sec] = Buffer.from(basic[1], 'base64').toString('utf8').split(':');
      clientId = decodeURIComponent(id ?? '');
      secret = decodeURIComponent(sec ?? '');
    }
    if (!this.knownTenant(tenant)) {
      this.entraError(res, req, 400, 'invalid_request', 90002, `Tenant '${tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.`);
      return;
    }
    const grantType = form.get('grant_type') ?? '';
    if (!['client_credentials', 'authorization_code', 'refresh_token'].includes(grantType)) {
      this.entraError(res, req, 400, 'unsupported_grant_type', 70003, 'The app requested an unsupported grant type.');
      return;
    }
    const app = this.apps.find((a) => a.tenantId.toLowerCase() === tenant.toLowerCase() && a.clientId === clientId);
    if (!app) {
      this.entraError(res, req, 400, 'unauthorized_client', 700016, `Application with identifier '${clientId}' was not found in the directory '${tenant}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.`);
      return;
    }
    if (!secret || secret !== app.clientSecret) {
      this.entraError(res, req, 401, 'invalid_client', 7000215, `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${clientId}'.`);
      return;
    }
    if (grantType !== 'client_credentials') {
      const grant =
        grantType === 'authorization_code'
          ? this.grants.redeemCode(tenant, clientId, form.get('code') ?? '', form.get('redirect_uri') ?? '', form.get('code_verifier') ?? '')
          : this.grants.redeemRefreshToken(tenant, clientId, form.get('refresh_token') ?? '');
      if ('error' in grant) return this.entraError(res, req, 400, grant.error, grant.code, grant.description);
      return this.delegatedTokens(req, res, grant, form.get('scope') ?? '');
    }
    const scope = (form.get('scope') ?? '').split(' ').find((s) => s.endsWith('/.default'));
    const audience = scope?.slice(0, -'/.default'.length);
    if (!audience || !KNOWN_RESOURCES.includes(audience)) {
      this.entraError(res, req, 400, 'invalid_scope', 1002012, `The provided value for scope ${form.get('scope') ?? ''} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`);
      return;
    }
    const { accessToken } = this.issue(clientId, tenant, audience);
    sendJson(res, requestIds(req), 200, { token_type: 'Bearer', expires_in: this.lifetimeSeconds, ext_expires_in: this.lifetimeSeconds, access_token: accessToken });
  }

  /**
   * The consent step: GET shows who asks for what with "Accept" and "Cancel"; POST (the form)
   * redirects to the app's redirect URI with a one-time code and the app's `state`, or with
   * `error=access_denied`. PKCE with S256 is required (Entra requires it for SPAs; here for all).
   */
  private async authorize(req: IncomingMessage, res: ServerResponse, tenant: string): Promise<void> {
    const query = new URL(req.url ?? '/', this.origin()).searchParams;
    const params = req.method === 'POST' ? new URLSearchParams((await readBody(req)).toString('utf8')) : query;
    const p = (k: string) => params.get(k) ?? '';
    const clientId = p('client_id');
    const app = this.apps.find((a) => a.tenantId.toLowerCase() === tenant.toLowerCase() && a.clientId === clientId);
    const problem = !this.knownTenant(tenant)
      ? `AADSTS90002: Tenant '${tenant}' not found.`
      : !app
        ? `AADSTS700016: Application with identifier '${clientId}' was not found in the directory '${tenant}'.`
        : !/^https?:\/\//.test(p('redirect_uri'))
          ? "AADSTS900144: The request body must contain the following parameter: 'redirect_uri'."
          : p('response_type') !== 'code'
            ? 'AADSTS700054: response_type \'code\' is required.'
            : p('code_challenge_method') !== 'S256' || p('code_challenge').length < 43
              ? 'AADSTS501491: Invalid size of Code_Challenge parameter, or code_challenge_method is not S256.'
              : undefined;
    if (problem) {
      // Entra shows errors about the app itself on its own page: the redirect URI is not trusted yet.
      res.writeHead(400, { 'content-type': 'text/html; charset=utf-8', 'content-security-policy': "default-src 'none'" });
      res.end(`<!doctype html><title>Sign in</title><p>${escapeHtml(problem)}</p>`);
      return;
    }
    if (req.method === 'GET') {
      const hidden = ['client_id', 'redirect_uri', 'response_type', 'scope', 'state', 'code_challenge', 'code_challenge_method'].map((k) => [k, p(k)] as [string, string]);
      // No form-action: browsers apply it to the redirects after the post too, and the Accept button's post ends at the app's redirect URL.
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-security-policy': "default-src 'none'", 'cache-control': 'no-store' });
      res.end(consentPage({ action: `${this.origin()}/${encodeURIComponent(tenant)}/oauth2/v2.0/authorize`, hidden, loginHint: p('login_hint'), scopes: p('scope').split(' ').filter(Boolean), appId: clientId }));
      return;
    }
    if (p('decision') !== 'accept') {
      redirectWith(res, p('redirect_uri'), { error: 'access_denied', error_description: 'AADSTS65004: User declined to consent to access the app.', state: p('state') });
      return;
    }
    const user = p('login_hint') || p('user');
    if (!user) {
      redirectWith(res, p('redirect_uri'), { error: 'invalid_request', error_description: 'AADSTS50058: A silent sign-in request was sent but no user is signed in.', state: p('state') });
      return;
    }
    const code = this.grants.consent({ tenant, clientId, redirectUri: p('redirect_uri'), scope: p('scope'), state: p('state'), codeChallenge: p('code_challenge'), codeChallengeMethod: 'S256', user });
    redirectWith(res, p('redirect_uri'), { code, state: p('state') });
  }

  /** Tokens for a redeemed code or refresh token: access token for the requested resource, a NEW refresh token, id_token and client_info. */
  private delegatedTokens(req: IncomingMessage, res: ServerResponse, grant: DelegatedGrant, requestedScope: string): void {
    const scopes = (requestedScope || grant.scope).split(' ').filter(Boolean);
    const resourceScope = scopes.find((s) => /^https:\/\//.test(s)) ?? 'https://graph.microsoft.com/.default';
    const audience = new URL(resourceScope).origin;
    if (!KNOWN_RESOURCES.includes(audience)) {
      return this.entraError(res, req, 400, 'invalid_scope', 70011, `The provided value for the input parameter 'scope' is not valid. The scope ${resourceScope} is not valid.`);
    }
    const { accessToken } = this.issue(grant.clientId, grant.tenant, audience, grant.user);
    const refreshToken = this.grants.issueRefreshToken(grant);
    const now = Math.floor(Date.now() / 1000);
    const oid = createHmac('sha256', this.signingKey).update(grant.user.toLowerCase()).digest('hex').slice(0, 32).replace(/^(.{8})(.{4})(.{4})(.{4})(.{12})$/, '$1-$2-$3-$4-$5');
    const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const idToken = `${b64({ typ: 'JWT', alg: 'none' })}.${b64({ aud: grant.clientId, iss: `${this.origin()}/${grant.tenant}/v2.0`, iat: now, nbf: now, exp: now + 3600, oid, sub: oid, tid: grant.tenant, preferred_username: grant.user, name: grant.user, ver: '2.0' })}.`;
    sendJson(res, requestIds(req), 200, {
      token_type: 'Bearer',
      scope: scopes.filter((s) => !['openid', 'profile', 'offline_access'].includes(s)).join(' '),
      expires_in: this.lifetimeSeconds,
      ext_expires_in: this.lifetimeSeconds,
      access_token: accessToken,
      refresh_token: refreshToken,
      id_token: idToken,
      client_info: b64({ uid: oid, utid: grant.tenant }),
    });
  }

  /**
   * RFC 7662 token introspection, for a local IMAP server standing in for Exchange Online (Dovecot's
   * oauth2 passdb): a live delegated token for Outlook's IMAP/SMTP resource is active and names its
   * user; anything else (unknown, expired, revoked, app-only, another resource) is inactive. Entra has
   * no such endpoint: Exchange validates its tokens itself; this is how a test IMAP server can.
   */
  private async introspect(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const token = new URLSearchParams((await readBody(req, 64 * 1024)).toString('utf8')).get('token') ?? '';
    const issued = this.issued.get(token);
    const live = issued !== undefined && issued.expiresAt > Date.now() && issued.user !== undefined && issued.audience.startsWith('https://outlook.');
    sendJson(res, requestIds(req), 200, live
      ? { active: true, username: issued.user, sub: issued.user, client_id: issued.appId, aud: issued.audience, exp: Math.floor(issued.expiresAt / 1000), token_type: 'Bearer' }
      : { active: false });
  }

  /** A JWT-shaped access token for an app (or a managed identity's service principal), remembered for the Graph endpoints. */
  issue(appId: string, tenant: string, audience: string, user?: string): { accessToken: string; expiresOn: number } {
    const now = Math.floor(Date.now() / 1000);
    const exp = now + this.lifetimeSeconds;
    const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const head = b64({ typ: 'JWT', alg: 'HS256' });
    const claims = b64({ ...(user ? { upn: user, scp: 'Mail.ReadWrite Mail.Send' } : {}), aud: audience, iss: `${this.origin()}/${tenant}/v2.0`, iat: now, nbf: now, exp, appid: appId, tid: tenant, roles: ['Mail.ReadWrite', 'Mail.Send'], jti: randomUUID() });
    const sig = createHmac('sha256', this.signingKey).update(`${head}.${claims}`).digest('base64url');
    const accessToken = `${head}.${claims}.${sig}`;
    this.issued.set(accessToken, { appId, tenantId: tenant, audience, expiresAt: exp * 1000, ...(user ? { user } : {}) });
    return { accessToken, expiresOn: exp };
  }
}

