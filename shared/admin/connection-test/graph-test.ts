import https from 'node:https';
import type net from 'node:net';
import type { AccessToken, TokenCredential } from '@azure/identity';
import type { Client } from '@microsoft/microsoft-graph-client';
import { z } from 'zod';
import type { ChannelRecord } from '../../config/channel';
import { MailChannelError } from '../../errors';
import { authorityHostOf, caBundle, classifyTokenError, createTokenCredential, readClientSecret, requireOAuth, type OAuthAuth, type SecretLookup } from '../../auth/credential';
import { guardedLookup } from '../../net/connect-target';
import { createGraphClient, graphScope } from '../../auth/graph-client';
import { classifyManagedIdentityError, createManagedIdentityCredential, managedIdentityUnavailable } from '../../auth/managed-identity';
import { assertManagedIdentityHost } from '../../sources/graph-connection';
import { graphStatus, isGraphError, isMailboxOutOfScope } from '../../sources/graph-errors';
import { WELL_KNOWN_FOLDER_NAMES } from '../../sources/graph-folders';
import { mailboxKey } from '../../sources/graph-limiter';
import { pacedGate } from '../../sources/graph-pacing';
import type { TargetPolicy } from '../../net/address-policy';
import type { ResolveAll } from '../../net/connect-target';
import { graphMailboxFailure, missingReadFolder, tokenFailure } from './advice';
import { closeQuietly, MAX_STEP_MS, probeDns, probeTcp, probeTls, type NetProbeDeps, type OpenSocket } from './probe-net';
import { configuredFolders, MAX_LISTED_FOLDERS, withNotes } from './folders';
import { delegatedToken, type DelegatedAccess } from './sign-in-check';
import { fail, pass, shapeResult, StageRecorder, type ConnectionTestResult, type StageDetails, type StageId, type StageOutcome } from './result';

/**
 * The connection test of a Graph channel: DNS/address policy, TCP and TLS of the Graph host
 * and of the token endpoint → a token (client credentials or the Function App's managed
 * identity; Entra's AADSTS codes turned into advice) → the mailbox (`GET /users/{u}/mailFolders`)
 * → its folders with counts and the channel's folders → what the token says about sending.
 *
 * Sending is judged without sending: an app-only token lists its application permissions in
 * its `roles` claim, so Mail.Send there means the permission is granted with admin consent.
 * Whether Exchange's scope for the app (an application access policy, RBAC for Applications)
 * lets it send as this very mailbox only a real send shows; the result says so.
 */
export const GRAPH_PLAN: readonly StageId[] = ['dns', 'tcp', 'tls', 'authentication', 'mailbox', 'folders', 'send'];

export interface GraphTestDeps extends SecretLookup {
  targetPolicy: TargetPolicy;
  /** Extra CA certificates (PEM) — a local Graph/Entra stand-in only. */
  trustedCaPem?: string | string[];
  resolve?: ResolveAll;
  openSocket?: OpenSocket;
  now?: () => number;
  /** A stored channel's sign-in (authorization-code flow); absent for an unsaved configuration, which has none. */
  delegated?: DelegatedAccess;
  /** Every access token the test obtains (for redaction by the caller). */
  onToken?: (token: string) => void;
}

const MICROSOFT_LOGIN = 'https://login.microsoftonline.com';

const FolderWithCounts = z.object({
  id: z.string(),
  displayName: z.string(),
  totalItemCount: z.number().int().optional(),
  unreadItemCount: z.number().int().optional(),
  childFolderCount: z.number().int().optional(),
});
const FolderPage = z.object({ value: z.array(FolderWithCounts), '@odata.nextLink': z.string().optional() });
type FolderWithCounts = z.infer<typeof FolderWithCounts>;

interface NetTarget {
  role: 'graph' | 'token';
  host: string;
  port: number;
}

export async function testGraphConnection(channel: ChannelRecord, deps: GraphTestDeps): Promise<ConnectionTestResult> {
  const conn = channel.connection;
  if (conn.protocol !== 'graph') throw new Error('testGraphConnection needs a Graph channel');
  const timeoutMs = Math.min(conn.settings.timeoutMs, MAX_STEP_MS);
  const now = deps.now ?? (() => performance.now());
  const started = now();
  const testedAt = new Date();
  const rec = new StageRecorder(now);
  const result = () => shapeResult({ protocol: 'graph', plan: GRAPH_PLAN, recorded: rec.recorded, testedAt, totalMs: now() - started });
  const netDeps: NetProbeDeps = {
    policy: deps.targetPolicy,
    ...(deps.resolve ? { resolve: deps.resolve } : {}),
    ...(deps.openSocket ? { openSocket: deps.openSocket } : {}),
    ...(deps.trustedCaPem ? { ca: caBundle(deps.trustedCaPem) } : {}),
    timeoutMs,
  };

  const targets: NetTarget[] = [{ role: 'graph', host: conn.host, port: conn.port }];
  if (conn.auth.type === 'oauth') {
    const authority = new URL(authorityHostOf(conn.auth.tokenEndpoint) ?? MICROSOFT_LOGIN);
    targets.push({ role: 'token', host: authority.hostname, port: Number(authority.port || 443) });
  }

  // DNS, TCP and TLS of every host the test will talk to, stage by stage.
  const resolved = new Map<NetTarget, { address: string; servername?: string }>();
  await rec.run('dns', async () => {
    const found: NonNullable<StageDetails['targets']> = [];
    for (const t of targets) {
      const d = await probeDns(t.role, t.host, netDeps);
      found.push(d.detail);
      if (!d.ok) return fail(d.failure, { targets: found });
      resolved.set(t, { address: d.address, ...(d.servername ? { servername: d.servername } : {}) });
    }
    return pass({ targets: found, ...(conn.auth.type === 'managedIdentity' ? { verified: "tokens come from the platform's identity endpoint (IDENTITY_ENDPOINT), not from a host of the channel" } : {}) });
  });
  if (rec.stopped) return result();

  const sockets = new Map<NetTarget, net.Socket>();
  try {
    await rec.run('tcp', async () => {
      const found: NonNullable<StageDetails['targets']> = [];
      for (const t of targets) {
        const r = resolved.get(t)!;
        const c = await probeTcp(`${t.role === 'graph' ? 'Graph' : 'token endpoint'} ${t.host}:${t.port}`, r.address, t.port, netDeps);
        found.push({ role: t.role, address: r.address, port: t.port, connected: c.ok });
        if (!c.ok) return fail(c.failure, { targets: found });
        sockets.set(t, c.socket);
      }
      return pass({ targets: found });
    });
    if (rec.stopped) return result();

    await rec.run('tls', async () => {
      const found: NonNullable<StageDetails['targets']> = [];
      for (const t of targets) {
        const r = resolved.get(t)!;
        const s = await probeTls(`${t.role === 'graph' ? 'Graph' : 'token endpoint'} ${t.host}:${t.port}`, sockets.get(t)!, t.host, r.servername, netDeps);
        found.push({ role: t.role, mode: 'implicit', ...s.info });
        if (!s.ok) return fail(s.failure, { targets: found });
        closeQuietly(s.socket);
      }
      return pass({ targets: found });
    });
  } finally {
    for (const s of sockets.values()) closeQuietly(s);
  }
  if (rec.stopped) return result();

  let token: AccessToken | undefined;
  await rec.run('authentication', async () => {
    const r = await obtainToken(channel, deps, timeoutMs);
    if ('failure' in r) return r.failure;
    token = r.token;
    deps.onToken?.(r.token.token);
    return pass(r.details);
  });
  if (rec.stopped || !token) return result();

  const client = createGraphClient({
    credential: staticCredential(token),
    endpoint: { host: conn.host, port: conn.port, tls: conn.tls },
    maxRetries: 0,
    backoffMs: 0,
    maxInProcessWaitMs: 0,
    timeoutMs,
    // The test's requests count against the mailbox's Graph limit like the channel's own.
    gate: pacedGate(mailboxKey(`${conn.host}:${conn.port}`, conn.username)),
    ...(deps.trustedCaPem ? { trustedCaPem: deps.trustedCaPem } : {}),
    targetPolicy: deps.targetPolicy,
  });
  const userPath = `/users/${encodeURIComponent(conn.username)}`;
  let firstPage: z.infer<typeof FolderPage> | undefined;
  await rec.run('mailbox', async () => {
    try {
      firstPage = FolderPage.parse(await client.api(`${userPath}/mailFolders`).query({ $top: '100' }).select(FOLDER_FIELDS).get());
      return pass({ mailbox: conn.username, verified: `GET ${userPath}/mailFolders answered 200: the app may read this mailbox` });
    } catch (err) {
      return fail(graphFailure(conn.username, err), { mailbox: conn.username });
    }
  });
  if (rec.stopped || !firstPage) return result();

  const page = firstPage;
  await rec.run('folders', () => graphFolders(client, userPath, page, channel));
  if (rec.stopped) return result();

  const signedInUser = conn.auth.type === 'oauth' && conn.auth.flow === 'authorizationCode';
  await rec.run('send', async () => sendPermission(token!.token, signedInUser ? 'delegated' : 'application'));
  return result();
}

function staticCredential(token: AccessToken): TokenCredential {
  return { getToken: async () => token };
}

async function obtainToken(channel: ChannelRecord, deps: GraphTestDeps, timeoutMs: number): Promise<{ token: AccessToken; details: StageDetails } | { failure: StageOutcome }> {
  const conn = channel.connection;
  const auth = conn.auth;
  const scope = graphScope(conn.host);
  if (auth.type === 'managedIdentity') {
    const details: StageDetails = { mechanism: `managed identity (${auth.managedIdentityClientId ? `user-assigned ${auth.managedIdentityClientId}` : 'system-assigned'})` };
    const unavailable = managedIdentityUnavailable();
    if (unavailable) return { failure: fail({ code: 'MANAGED_IDENTITY_UNAVAILABLE', message: unavailable, whatToDo: 'turn on the Function App\'s identity (Identity blade), or use auth type "oauth"' }, details) };
    try {
      assertManagedIdentityHost(conn.host, deps.targetPolicy);
      const token = await createManagedIdentityCredential(auth).getToken(scope);
      if (!token) throw new Error('the identity endpoint returned no token');
      return { token, details };
    } catch (err) {
      const e = err instanceof MailChannelError ? err : classifyManagedIdentityError(err, auth);
      return { failure: fail({ code: e.code, message: e.message, whatToDo: e.code === 'GRAPH_CONFIG' ? 'set connection.host to graph.microsoft.com (or a national cloud\'s Graph host)' : "check the Function App's identity and, for a user-assigned one, managedIdentityClientId" }, details) };
    }
  }
  if (auth.type === 'oauth' && auth.flow === 'authorizationCode') {
    const r = await delegatedToken(deps.delegated, auth, scope);
    const mechanism = "OAuth authorization code (delegated: the signed-in user's token)";
    if ('failure' in r) return { failure: fail(r.failure, { mechanism }) };
    // The sign-in's access token is used once, for this test; its lifetime does not matter here.
    return { token: { token: r.token, expiresOnTimestamp: Date.now() + 60_000 }, details: { mechanism, ...(r.account ? { user: r.account } : {}) } };
  }
  const details: StageDetails = { mechanism: 'OAuth client credentials (app-only)', user: auth.type === 'oauth' ? `app ${auth.clientId} in tenant ${auth.tenantId}` : undefined };
  try {
    const oauth = requireOAuth(auth, 'a Graph channel');
    const secret = await readClientSecret(oauth, deps);
    const credential = createTokenCredential(oauth, secret, { ...(deps.trustedCaPem ? { trustedCaPem: deps.trustedCaPem } : {}), targetPolicy: deps.targetPolicy });
    const token = await credential.getToken(scope);
    if (!token) throw new Error('the identity provider returned no token');
    return { token, details };
  } catch (err) {
    const e = classifyTokenError(err);
    if (e.code === 'AUTH_UNSUPPORTED' || e.code === 'AUTH_SECRET_MISSING') {
      return { failure: fail({ code: e.code, message: e.message, whatToDo: e.code === 'AUTH_SECRET_MISSING' ? 'send connection.auth.clientSecret' : 'Graph channels use auth type "oauth" with flow "clientCredentials", or "managedIdentity"' }, details) };
    }
    // MSAL reports a tenant its authority does not know only as "endpoints_resolution_error";
    // Entra's own words (AADSTS90002 …) are in the public discovery document's answer.
    const said = e.message.includes('endpoints_resolution_error') && auth.type === 'oauth' ? await discoveryAnswer(auth, deps, timeoutMs) : undefined;
    return { failure: fail(tokenFailure('the identity provider gave no token', said ? `${e.message}; the tenant's discovery document answered: ${said}` : e.message, e.retryable), details) };
  }
}

const DiscoveryError = z.object({ error_description: z.string() });

/**
 * The first line of the identity provider's answer for the tenant's OpenID discovery document
 * (public: no secret is sent), when it refuses it; undefined otherwise. Its socket goes
 * through the address check like the token request's.
 */
async function discoveryAnswer(auth: OAuthAuth, deps: GraphTestDeps, timeoutMs: number): Promise<string | undefined> {
  const authority = authorityHostOf(auth.tokenEndpoint) ?? MICROSOFT_LOGIN;
  const url = new URL(`${authority}/${encodeURIComponent(auth.tenantId)}/v2.0/.well-known/openid-configuration`);
  const ca = caBundle(deps.trustedCaPem);
  return new Promise((resolve) => {
    const req = https.get(url, { lookup: guardedLookup(deps.targetPolicy), ...(ca ? { ca } : {}), timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => {
        if (body.length < 64 * 1024) body += d;
      });
      res.on('end', () => {
        if ((res.statusCode ?? 0) < 400) return resolve(undefined);
        try {
          const parsed = DiscoveryError.safeParse(JSON.parse(body));
          resolve(parsed.success ? (parsed.data.error_description.split('\n')[0] ?? '').trim() : undefined);
        } catch {
          resolve(undefined);
        }
      });
      res.on('error', () => resolve(undefined));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(undefined));
  });
}

function graphFailure(mailbox: string, err: unknown) {
  const status = graphStatus(err);
  if (!isGraphError(err) || status === undefined || status <= 0) {
    const refused = err instanceof MailChannelError ? err : undefined;
    return {
      code: refused?.code ?? 'GRAPH_NETWORK',
      message: refused?.message ?? `could not reach Graph for mailbox ${mailbox}`,
      whatToDo: 'Graph was reachable a moment ago: retry; if it persists, check connection.host and the network path',
    };
  }
  return graphMailboxFailure(mailbox, status, err.code ?? undefined, err.message ?? '', isMailboxOutOfScope(err));
}

/** Graph requests the folder listing may make (pages and child folders): a mailbox with thousands of folders is listed in part. */
export const MAX_FOLDER_REQUESTS = 50;

const FOLDER_FIELDS = ['id', 'displayName', 'totalItemCount', 'unreadItemCount', 'childFolderCount'];

interface ListedFolder {
  path: string;
  folder: FolderWithCounts;
}

/**
 * Every folder with its path ("Inbox/Support", as channels name them), breadth first from
 * the top level, within MAX_LISTED_FOLDERS folders and MAX_FOLDER_REQUESTS requests.
 */
async function listFolderTree(client: Client, userPath: string, firstPage: z.infer<typeof FolderPage>): Promise<{ listed: ListedFolder[]; truncated: boolean }> {
  const listed: ListedFolder[] = [];
  let requests = 0;
  let truncated = false;
  const take = async (page: z.infer<typeof FolderPage>, parent: string | undefined) => {
    let current = page;
    for (;;) {
      for (const f of current.value) {
        if (listed.length >= MAX_LISTED_FOLDERS) {
          truncated = true;
          return;
        }
        listed.push({ path: parent ? `${parent}/${f.displayName}` : f.displayName, folder: f });
      }
      const next = current['@odata.nextLink'];
      if (!next) return;
      if (requests >= MAX_FOLDER_REQUESTS) {
        truncated = true;
        return;
      }
      requests++;
      current = FolderPage.parse(await client.api(next).get());
    }
  };
  await take(firstPage, undefined);
  for (let i = 0; i < listed.length && !truncated; i++) {
    const { path, folder } = listed[i]!;
    if (!folder.childFolderCount) continue;
    if (requests >= MAX_FOLDER_REQUESTS) {
      truncated = true;
      break;
    }
    requests++;
    const page = FolderPage.parse(await client.api(`${userPath}/mailFolders/${encodeURIComponent(folder.id)}/childFolders`).query({ $top: '100' }).select(FOLDER_FIELDS).get());
    await take(page, path);
  }
  return { listed, truncated };
}

async function graphFolders(client: Client, userPath: string, firstPage: z.infer<typeof FolderPage>, channel: ChannelRecord): Promise<StageOutcome> {
  try {
    const { listed, truncated } = await listFolderTree(client, userPath, firstPage);
    const byPath = new Map(listed.map((l) => [l.path.toLowerCase(), l.folder]));
    const configured = [];
    for (const c of configuredFolders(channel)) {
      let exists = byPath.has(c.name.toLowerCase());
      // A well-known name ("Inbox" is "Posteingang" in a German mailbox) is asked for directly; so is a path a partial listing may have missed.
      if (!exists && (WELL_KNOWN_FOLDER_NAMES.has(c.name.toLowerCase()) || truncated)) exists = await folderExists(client, userPath, c.name, listed);
      configured.push({ ...c, exists });
    }
    const folders = listed.map(({ path, folder: f }) => ({
      path,
      ...(f.totalItemCount !== undefined ? { messages: f.totalItemCount } : {}),
      ...(f.unreadItemCount !== undefined ? { unread: f.unreadItemCount } : {}),
    }));
    const details: StageDetails = { folders, ...(truncated ? { foldersTruncated: true } : {}), configured: withNotes(configured) };
    const missingRead = configured.find((c) => c.role === 'read' && !c.exists);
    return missingRead ? fail(missingReadFolder(missingRead.name, folders.map((f) => f.path)), details) : pass(details);
  } catch (err) {
    return fail(graphFailure(userPath.slice('/users/'.length), err));
  }
}

/** OData string literal in a query value: quotes doubled (the client encodes the query). */
const odataString = (value: string) => `'${value.replace(/'/g, "''")}'`;

/** A configured name as the Graph source resolves it: a well-known name, or a display-name path below the root. */
async function folderExists(client: Client, userPath: string, name: string, listed: ListedFolder[]): Promise<boolean> {
  if (WELL_KNOWN_FOLDER_NAMES.has(name.toLowerCase())) {
    try {
      await client.api(`${userPath}/mailFolders/${encodeURIComponent(name.toLowerCase())}`).select(['id']).get();
      return true;
    } catch (err) {
      if (graphStatus(err) === 404) return false;
      throw err;
    }
  }
  const segments = name.split('/').map((s) => s.trim());
  if (segments.some((s) => s === '')) return false;
  let parent = listed.find((l) => !l.path.includes('/') && l.folder.displayName.toLowerCase() === segments[0]!.toLowerCase())?.folder;
  for (const segment of segments.slice(1)) {
    if (!parent) return false;
    const page = FolderPage.parse(
      await client.api(`${userPath}/mailFolders/${encodeURIComponent(parent.id)}/childFolders`).query({ $filter: `displayName eq ${odataString(segment)}` }).select(['id', 'displayName']).get(),
    );
    parent = page.value.find((f) => f.displayName.toLowerCase() === segment.toLowerCase());
  }
  return parent !== undefined;
}

const TokenClaims = z.object({ roles: z.array(z.string()).optional(), scp: z.string().optional() });

/** The permissions an access token states (app-only: `roles`; delegated: `scp`), or undefined when it is not a readable JWT. */
export function tokenPermissions(accessToken: string): string[] | undefined {
  const parts = accessToken.split('.');
  if (parts.length !== 3 || !parts[1]) return undefined;
  try {
    const claims = TokenClaims.safeParse(JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8')));
    if (!claims.success) return undefined;
    return [...(claims.data.roles ?? []), ...(claims.data.scp ?? '').split(' ').filter(Boolean)];
  } catch {
    return undefined;
  }
}

/**
 * The send stage of a Graph channel, from the token alone (nothing is sent). `delegated`: the token is a signed-in
 * user's (authorization-code flow), whose Mail.Send is a delegated permission the user consented to.
 */
export function sendPermission(accessToken: string, kind: 'application' | 'delegated' = 'application'): StageOutcome {
  const delegated = kind === 'delegated';
  const notVerified = delegated
    ? 'whether the signed-in user may send as this mailbox (their own, or Send As / Send on Behalf for a shared one): only a real send shows that, and the test sends nothing'
    : "whether Exchange's scope for the app (an application access policy or RBAC for Applications) lets it send as this mailbox: only a real send shows that, and the test sends nothing";
  const permissions = tokenPermissions(accessToken);
  if (permissions === undefined) {
    return { status: 'skipped', details: { skippedBecause: 'the access token does not state its permissions in a readable form', notVerified } };
  }
  const granted = permissions.some((p) => p.toLowerCase() === 'mail.send');
  if (!granted) {
    return fail(
      {
        code: 'GRAPH_NO_MAIL_SEND',
        message: `the access token grants ${permissions.length ? permissions.join(', ') : 'no permission'}, not Mail.Send`,
        whatToDo: delegated
          ? 'add the Microsoft Graph delegated permission Mail.Send to the app registration, then sign the channel in again (the user consents to it); without it no auto-response or reply can be sent'
          : 'add the Microsoft Graph application permission Mail.Send to the app registration and grant admin consent; without it no auto-response or reply can be sent',
      },
      { capabilities: permissions },
    );
  }
  const verified = delegated
    ? 'the access token carries Mail.Send (the signed-in user consented to the delegated permission)'
    : 'the access token carries Mail.Send (the application permission is granted, with admin consent)';
  return pass({ capabilities: permissions, verified, notVerified });
}
