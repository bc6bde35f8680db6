import { createHash, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { SettingsSchema } from '../config/settings';

/**
 * Who may call the admin API.
 *
 * Every admin route is registered with `authLevel: 'anonymous'` and checks the caller
 * here, because the Functions host's own key check (authLevel `function`) would reject
 * callers that App Service Authentication has already signed in (and we cannot see the
 * host's keys to accept both). Two ways in:
 *
 * 1. **App Service Authentication ("Easy Auth")** — the platform validates the Entra ID
 *    token and injects `x-ms-client-principal` (base64 JSON `{ auth_typ, claims: [{ typ, val }],
 *    name_typ, role_typ }`). The app role claim (`roles`, or the principal's `role_typ`)
 *    must contain `MailChannel.Admin`: signed in without it → 403. The header is trusted
 *    only when the platform says Easy Auth is on (`WEBSITE_AUTH_ENABLED=True`): without the
 *    module in front, anybody could send it.
 * 2. **Admin key** — the `ADMIN_API_KEY` setting (locally from local.settings.json; in Azure a
 *    Key Vault reference) given as `x-functions-key: KEY` or `Authorization: Bearer KEY`,
 *    compared in constant time. For scripts and automation.
 *
 * No identity (or a wrong key) → 401.
 */
export const ADMIN_ROLE = 'MailChannel.Admin';

const ROLE_CLAIM_TYPES = ['roles', 'role', 'http://schemas.microsoft.com/ws/2008/06/identity/claims/role'];
const NAME_CLAIM_TYPES = [
  'name',
  'preferred_username',
  'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name',
  'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn',
  'appid',
  'azp',
];

export const ClientPrincipal = z.object({
  auth_typ: z.string().optional(),
  claims: z.array(z.object({ typ: z.string(), val: z.string() })).default([]),
  name_typ: z.string().optional(),
  role_typ: z.string().optional(),
});
export type ClientPrincipal = z.infer<typeof ClientPrincipal>;

export type AdminPrincipal =
  | { kind: 'appServiceAuth'; name: string; roles: string[] }
  | { kind: 'adminKey'; name: 'admin-api-key' };

export interface AdminAuthConfig {
  /** The admin key; undefined = key access disabled. */
  adminApiKey?: string;
  /** Trust `x-ms-client-principal` (only when App Service Authentication is in front). */
  trustClientPrincipal: boolean;
}

export type AuthOutcome =
  | { ok: true; principal: AdminPrincipal }
  | { ok: false; status: 401 | 403; message: string };

/** Minimal view of request headers (the Fetch `Headers` of @azure/functions fits). */
export interface HeaderReader {
  get(name: string): string | null;
}

/** Decodes the `x-ms-client-principal` header; undefined when absent or not a principal. */
export function parseClientPrincipal(header: string | null | undefined): ClientPrincipal | undefined {
  if (!header) return undefined;
  try {
    const json: unknown = JSON.parse(Buffer.from(header, 'base64').toString('utf8'));
    const parsed = ClientPrincipal.safeParse(json);
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

export function principalRoles(p: ClientPrincipal): string[] {
  const types = new Set([...ROLE_CLAIM_TYPES, ...(p.role_typ ? [p.role_typ] : [])]);
  return p.claims.filter((c) => types.has(c.typ)).map((c) => c.val);
}

export function principalName(p: ClientPrincipal, headerName?: string | null): string {
  const types = [...(p.name_typ ? [p.name_typ] : []), ...NAME_CLAIM_TYPES];
  for (const t of types) {
    const claim = p.claims.find((c) => c.typ === t && c.val.trim() !== '');
    if (claim) return claim.val;
  }
  return headerName?.trim() || 'unknown-principal';
}

/** Constant-time comparison of two strings of any length (hashing first hides the length too). */
export function constantTimeEqual(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a, 'utf8').digest();
  const hb = createHash('sha256').update(b, 'utf8').digest();
  return timingSafeEqual(ha, hb);
}

/** The key the caller presented, if any. */
export function presentedKey(headers: HeaderReader): string | undefined {
  const key = headers.get('x-functions-key');
  if (key && key.trim() !== '') return key.trim();
  const auth = headers.get('authorization');
  // a prefix test, not /^Bearer\s+(.+)$/: that one is quadratic on a long run of blanks
  const value = auth?.trim();
  if (!value || value.length < 7 || value.slice(0, 6).toLowerCase() !== 'bearer' || !/\s/.test(value[6]!)) return undefined;
  return value.slice(7).trim() || undefined;
}

/** Decides whether the caller is an admin. Pure: headers and config in, outcome out. */
export function authenticateAdmin(headers: HeaderReader, config: AdminAuthConfig): AuthOutcome {
  const key = presentedKey(headers);
  const keyOk = key !== undefined && config.adminApiKey !== undefined && constantTimeEqual(key, config.adminApiKey);
  if (keyOk) return { ok: true, principal: { kind: 'adminKey', name: 'admin-api-key' } };

  const principal = config.trustClientPrincipal ? parseClientPrincipal(headers.get('x-ms-client-principal')) : undefined;
  if (principal) {
    const roles = principalRoles(principal);
    if (roles.includes(ADMIN_ROLE)) {
      return { ok: true, principal: { kind: 'appServiceAuth', name: principalName(principal, headers.get('x-ms-client-principal-name')), roles } };
    }
    return { ok: false, status: 403, message: `signed in, but without the app role ${ADMIN_ROLE}` };
  }
  if (key !== undefined) return { ok: false, status: 401, message: 'the admin key is not valid' };
  return { ok: false, status: 401, message: `sign in (App Service Authentication, role ${ADMIN_ROLE}) or send the admin key in x-functions-key` };
}

/** The auth config from the environment: ADMIN_API_KEY, and WEBSITE_AUTH_ENABLED set by App Service. */
const AuthEnv = z.object({
  // Same rule as the app settings; a too-short key disables key access rather than weakening it.
  ADMIN_API_KEY: SettingsSchema.shape.ADMIN_API_KEY.catch(undefined),
  WEBSITE_AUTH_ENABLED: z.string().optional(),
});

export function adminAuthConfigFromEnv(env: NodeJS.ProcessEnv = process.env): AdminAuthConfig {
  const e = AuthEnv.parse(env);
  return { adminApiKey: e.ADMIN_API_KEY, trustClientPrincipal: (e.WEBSITE_AUTH_ENABLED ?? '').trim().toLowerCase() === 'true' };
}
