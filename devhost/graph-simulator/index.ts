import https from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import MailComposer from 'nodemailer/lib/mail-composer';
import { makeSelfSignedCert } from './cert';
import { DeltaTokens, parseReceivedFilter, type DeltaQuery } from './delta';
import { GraphHttpError, readBody, requestIds, sendBytes, sendEmpty, sendGraphError, sendJson, type RequestIds } from './http-util';
import { renderFolder, renderMessage, messageId } from './messages-json';
import { deriveMeta, mimeFromBase64Body } from './mime';
import { matchRoute, type EndpointName, type RouteMatch } from './routes';
import { MailboxState, type DeltaChangeType, type MessageState } from './store';
import {
  checkExpiration,
  parseMessageResource,
  postNotification,
  subscriptionJson,
  validateEndpoint,
  type NotificationRecord,
  type Subscription,
} from './subscriptions';
import { MailboxThrottle, type InjectedFault, type ThrottleOptions } from './throttle';
import { TokenService, type AppRegistration, type IssuedToken } from './token-service';
import { startManagedIdentityEndpoint, type ManagedIdentityEndpoint, type ManagedIdentityOptions } from './managed-identity';

/**
 * A Microsoft Graph v1.0 + Entra ID stand-in on 127.0.0.1 (HTTPS, self-signed certificate
 * made at start), speaking Graph's wire format for the mail calls this product makes:
 * folders, per-folder message delta, `$value`, move, sendMail, subscriptions with the
 * validation handshake, and Outlook's per-mailbox throttling. Driven by the real
 * `@azure/identity` and `@microsoft/microsoft-graph-client`; trust `caCertPem`.
 *
 * Tests steer it in-process (deliver mail, expire delta tokens, inject faults, read counters).
 */

export interface GraphSimulatorOptions {
  /** App registrations the token service accepts; default one app (see `app`). */
  apps?: AppRegistration[];
  /** Mailboxes that exist from the start (more appear on `addMailbox` / `deliver`). */
  mailboxes?: string[];
  /** Outlook limits per app + mailbox; defaults 4 concurrent, 10,000 per 10 min. */
  throttle?: ThrottleOptions;
  /** Time each mailbox request spends "in Exchange" (ms), so concurrency is observable. */
  latencyMs?: number;
  /** Access-token lifetime (s); default 3599. */
  tokenLifetimeSeconds?: number;
  /** Default delta page size without `Prefer: odata.maxpagesize` (Graph: 10). */
  defaultPageSize?: number;
  /** How long the validation handshake waits (Graph: 10 s). */
  validationTimeoutMs?: number;
  /** Send change notifications for subscriptions when `deliver` adds a message (default true). */
  autoNotify?: boolean;
  /** The managed identities the identity endpoint (plain http on loopback) hands tokens for. */
  managedIdentity?: ManagedIdentityOptions;
  /** Exchange Online RBAC for Applications: per app (client id), the only mailboxes it may open. */
  mailboxScopes?: Record<string, string[]>;
  /** Port on 127.0.0.1 (default 0 = any free one); npm start keeps one so stored channels still point here after a restart. */
  port?: number;
  /**
   * sendMail delivers to every recipient, creating its mailbox on first mail (the demo: a
   * newcomer's auto-response lands in the sender's demo inbox). Default false: only mailboxes
   * that exist receive a copy, as in a tenant where outside addresses leave Exchange.
   */
  createRecipientMailboxes?: boolean;
}

export interface RecordedRequest {
  seq: number;
  method: string;
  /** Path and query as received. */
  url: string;
  endpoint: EndpointName | 'token' | 'authorize' | 'openid-configuration' | 'unknown';
  mailbox?: string;
  appId?: string;
  status: number;
  retryAfterSeconds?: number;
  /** `performance.timeOrigin + performance.now()` at arrival and at the end of the response (ms, fractional). */
  startedAt: number;
  finishedAt: number;
  /** The Graph client's `Retry-Attempt` header, when it retried. */
  retryAttempt?: number;
}

export interface SimulatorStats {
  requestsTotal: number;
  perEndpoint: Record<string, number>;
  throttled429: number;
  /** Most requests open at once per mailbox (all apps), including those refused for it. */
  maxConcurrency: Record<string, number>;
  tokenRequests: number;
}

export interface SimulatedMessage {
  id: string;
  immutableId: string;
  restId: string;
  folderId: string;
  internetMessageId: string | null;
  subject: string | null;
  from: string | null;
  to: string[];
  bodyPreview: string;
  receivedDateTime: string;
  isRead: boolean;
}

export interface SentMail {
  mailbox: string;
  raw: Buffer;
  savedToSentItems: boolean;
  /** The simulator's mailboxes that received a copy in their Inbox. */
  deliveredTo: string[];
}

export interface GraphSimulator {
  /** `https://127.0.0.1:PORT/v1.0` */
  readonly graphBaseUrl: string;
  readonly host: string;
  readonly port: number;
  /** `https://127.0.0.1:PORT` — @azure/identity's `authorityHost`. */
  readonly authorityHost: string;
  /** `https://127.0.0.1:PORT/{tenant}/oauth2/v2.0/token` */
  tokenEndpoint(tenant: string): string;
  /** The self-signed certificate to trust (it is its own CA). */
  readonly caCertPem: string;
  /** The default (first) app registration. */
  readonly app: AppRegistration;
  addMailbox(address: string): void;
  /** Addresses of every mailbox, lower case, sorted. */
  mailboxAddresses(): string[];
  /** Stores raw MIME in a folder (id, well-known name or display-name path, created when missing); returns the immutable id. */
  deliver(mailbox: string, folder: string, rawMime: Buffer | string, opts?: { receivedAt?: Date; isRead?: boolean }): Promise<string>;
  folderMessages(mailbox: string, folder: string): SimulatedMessage[];
  /** Folder id of a well-known name or display-name path, or undefined. */
  folderId(mailbox: string, folder: string): string | undefined;
  /** Display-name paths of the mailbox's non-root folders. */
  folderPaths(mailbox: string): string[];
  rawMessage(mailbox: string, id: string): Buffer | undefined;
  /** A user moving a message in Outlook. */
  moveMessage(mailbox: string, id: string, folder: string): void;
  deleteMessage(mailbox: string, id: string): void;
  markRead(mailbox: string, id: string, isRead: boolean): void;
  /** Every delta/skip token is forgotten: the next use answers 410 SyncStateNotFound. */
  expireDeltaTokens(): void;
  /** The next `count` matching Graph requests fail with this status (429/503/504). */
  injectFaults(count: number, fault: InjectedFault): void;
  /** Issued access tokens stop working (Graph answers 401). */
  revokeTokens(): void;
  /** `https://127.0.0.1:PORT/{tenant}/oauth2/v2.0/introspect`: RFC 7662, for a local IMAP server that checks XOAUTH2 tokens (Dovecot's oauth2 passdb). */
  introspectionEndpoint(tenant: string): string;
  /** Introspection requests answered so far. */
  readonly introspections: number;
  /** `https://127.0.0.1:PORT/{tenant}/oauth2/v2.0/authorize` (the consent page). */
  authorizeEndpoint(tenant: string): string;
  /** An admin revoked the user's sign-in sessions: each of the user's refresh tokens answers invalid_grant (AADSTS50173). Returns how many. */
  revokeUserGrants(user: string): number;
  /** Every refresh token issued so far has expired (AADSTS700082). */
  expireRefreshTokens(): void;
  /** Refresh tokens redeemed so far (each one rotated). */
  readonly refreshTokenRedemptions: number;
  /** Graph answers 403 ErrorAccessDenied to this app (as after an admin revoked consent). */
  denyApp(clientId: string, denied?: boolean): void;
  /**
   * Exchange Online RBAC for Applications: the app (client id, or a managed identity's) may open
   * only these mailboxes; others answer 403 ErrorAccessDenied "Access to OData is disabled.".
   * `undefined` lifts the scope.
   */
  setMailboxScope(clientId: string, mailboxes: string[] | undefined): void;
  /** The App Service managed identity endpoint (IDENTITY_ENDPOINT / IDENTITY_HEADER). */
  readonly managedIdentity: ManagedIdentityEndpoint;
  stats(): SimulatorStats;
  readonly requests: readonly RecordedRequest[];
  resetCounters(): void;
  subscriptions(): Subscription[];
  /** Puts back a subscription saved from an earlier run (npm start's demo keeps them across restarts, as Graph would). */
  restoreSubscription(subscription: Subscription): void;
  readonly notifications: readonly NotificationRecord[];
  /** POSTs a change notification for a message to the subscription's notificationUrl; returns the receiver's status. */
  pushChangeNotification(subscriptionId: string, change: { messageId: string; changeType?: 'created' | 'updated' | 'deleted' }): Promise<number | undefined>;
  /** POSTs a lifecycle notification to the subscription's lifecycleNotificationUrl (or notificationUrl). */
  pushLifecycleNotification(subscriptionId: string, event: 'missed' | 'subscriptionRemoved' | 'reauthorizationRequired'): Promise<number | undefined>;
  /** Resolves once every notification sent in the background has been answered. */
  settleNotifications(): Promise<void>;
  readonly sentMail: readonly SentMail[];
  stop(): Promise<void>;
}

const DEFAULT_APP: AppRegistration = {
  tenantId: '72f988bf-86f1-41af-91ab-2d7cd011db47',
  clientId: '3f4c2a1e-5b6d-4e7f-8a9b-0c1d2e3f4a5b',
  clientSecret: 'sim~secret.value-0123456789abcdef',
};

const MAX_PAGE_SIZE = 1000;

interface Prefer {
  immutableIds: boolean;
  maxPageSize?: number;
}

function parsePrefer(req: IncomingMessage): Prefer {
  const raw = req.headers.prefer;
  const text = Array.isArray(raw) ? raw.join(',') : (raw ?? '');
  const immutableIds = /IdType\s*=\s*"?ImmutableId"?/i.test(text);
  const size = /odata\.maxpagesize\s*=\s*(\d+)/i.exec(text);
  return { immutableIds, ...(size?.[1] ? { maxPageSize: Math.min(MAX_PAGE_SIZE, Math.max(1, Number(size[1]))) } : {}) };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const now = () => performance.timeOrigin + performance.now();

export async function startGraphSimulator(opts: GraphSimulatorOptions = {}): Promise<GraphSimulator> {
  const cert = await makeSelfSignedCert();
  const apps = opts.apps && opts.apps.length > 0 ? opts.apps : [DEFAULT_APP];
  const mailboxes = new Map<string, MailboxState>();
  const throttle = new MailboxThrottle(opts.throttle);
  const delta = new DeltaTokens();
  const subs = new Map<string, Subscription>();
  const notifications: NotificationRecord[] = [];
  const pending = new Set<Promise<unknown>>();
  const sentMail: SentMail[] = [];
  const deniedApps = new Set<string>();
  const mailboxScopes = new Map<string, Set<string>>(Object.entries(opts.mailboxScopes ?? {}).map(([app, mbs]) => [app.toLowerCase(), new Set(mbs.map((m) => m.toLowerCase()))]));
  /** Graph's answer for a mailbox outside the app's management scope (documented body of "Scoping application permissions"). */
  const requireInScope = (token: IssuedToken, mailbox: string) => {
    const scope = mailboxScopes.get(token.appId.toLowerCase());
    if (scope && !scope.has(mailbox.toLowerCase())) throw new GraphHttpError(403, 'ErrorAccessDenied', 'Access to OData is disabled.');
    // A delegated token opens the signed-in user's own mailbox only (no shared-mailbox grants here).
    if (token.user && token.user.toLowerCase() !== mailbox.toLowerCase()) throw new GraphHttpError(403, 'ErrorAccessDenied', 'Access is denied. Check credentials and try again.');
  };
  let requests: RecordedRequest[] = [];
  let reqSeq = 0;
  let origin = '';
  const defaultPageSize = opts.defaultPageSize ?? 10;
  const validationTimeoutMs = opts.validationTimeoutMs ?? 10_000;
  const tokens = new TokenService(apps, () => origin, opts.tokenLifetimeSeconds ?? 3599);

  const addMailbox = (address: string): MailboxState => {
    const key = address.toLowerCase();
    let mb = mailboxes.get(key);
    if (!mb) {
      mb = new MailboxState(key);
      mailboxes.set(key, mb);
    }
    return mb;
  };
  for (const m of opts.mailboxes ?? []) addMailbox(m);

  const requireMailbox = (address: string): MailboxState => {
    const mb = mailboxes.get(address.toLowerCase());
    if (!mb) throw new GraphHttpError(404, 'ErrorInvalidUser', `The requested user '${address}' is invalid.`);
    return mb;
  };

  const record = (r: NotificationRecord) => notifications.push(r);
  const track = <T>(p: Promise<T>): Promise<T> => {
    pending.add(p);
    void p.finally(() => pending.delete(p));
    return p;
  };

  const changeNotificationBody = (s: Subscription, m: MessageState, changeType: string) => {
    const id = messageId(m, s.immutableIds);
    const resource = `Users/${s.mailbox}/Messages/${id}`;
    return {
      value: [
        {
          id: randomUUID(),
          subscriptionId: s.id,
          subscriptionExpirationDateTime: s.expirationDateTime,
          changeType,
          resource,
          resourceData: { '@odata.type': '#Microsoft.Graph.Message', '@odata.id': resource, '@odata.etag': `W/"${m.changeKey}"`, id },
          clientState: s.clientState ?? null,
          tenantId: s.tenantId,
        },
      ],
    };
  };

  const sendChange = async (s: Subscription, m: MessageState, changeType: string): Promise<number | undefined> => {
    const body = changeNotificationBody(s, m, changeType);
    const r = await postNotification(s.notificationUrl, body, 3_000);
    record({ subscriptionId: s.id, kind: 'change', url: s.notificationUrl, body, ...r, at: Date.now() });
    return r.status;
  };

  const liveSubscriptionsFor = (mb: MailboxState, m: MessageState) =>
    [...subs.values()].filter(
      (s) => s.mailbox === mb.address && Date.parse(s.expirationDateTime) > Date.now() && (!s.folderId || s.folderId === m.folderId) && s.changeType.split(',').includes('created'),
    );

  // ---------------- Graph handlers ----------------

  interface Ctx {
    req: IncomingMessage;
    res: ServerResponse;
    ids: RequestIds;
    url: URL;
    route: RouteMatch;
    prefer: Prefer;
    token: IssuedToken;
  }

  const preferenceApplied = (p: Prefer, pageSize?: number): Record<string, string> => {
    const applied: string[] = [];
    if (p.immutableIds) applied.push('IdType="ImmutableId"');
    if (pageSize !== undefined && p.maxPageSize !== undefined) applied.push(`odata.maxpagesize=${pageSize}`);
    return applied.length > 0 ? { 'Preference-Applied': applied.join(', ') } : {};
  };

  const jsonBody = async (req: IncomingMessage): Promise<Record<string, unknown>> => {
    const text = (await readBody(req)).toString('utf8');
    if (text.trim() === '') return {};
    try {
      const parsed: unknown = JSON.parse(text);
      if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
    } catch {
      // fall through
    }
    throw new GraphHttpError(400, 'BadRequest', 'Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.');
  };

  const folderList = (ctx: Ctx, mb: MailboxState, parentId: string, contextPath: string) => {
    const q = ctx.url.searchParams;
    let list = mb.children(parentId).filter((f) => !f.isHidden || q.get('includeHiddenFolders') === 'true');
    const filter = q.get('$filter');
    if (filter) {
      const m = /^\s*displayName\s+eq\s+'((?:[^']|'')*)'\s*$/i.exec(filter);
      if (!m) throw new GraphHttpError(400, 'ErrorInvalidUrlQueryFilter', 'The query filter contains one or more invalid nodes.');
      const name = (m[1] ?? '').replace(/''/g, "'");
      list = list.filter((f) => f.displayName.toLowerCase() === name.toLowerCase()); // Exchange compares case-insensitively
    }
    const top = Math.min(Number(q.get('$top') ?? 10) || 10, 1000);
    const skip = Number(q.get('$skip') ?? 0) || 0;
    const page = list.slice(skip, skip + top);
    const body: Record<string, unknown> = { '@odata.context': `${origin}/v1.0/$metadata#${contextPath}`, value: page.map((f) => renderFolder(mb, f)) };
    if (skip + top < list.length) {
      const next = new URL(ctx.url.href);
      next.searchParams.set('$skip', String(skip + top));
      next.searchParams.set('$top', String(top));
      body['@odata.nextLink'] = `${origin}${next.pathname}?${next.searchParams.toString().replace(/\+/g, '%20')}`;
    }
    sendJson(ctx.res, ctx.ids, 200, body, preferenceApplied(ctx.prefer));
  };

  const createFolder = async (ctx: Ctx, mb: MailboxState, parentId: string) => {
    const body = await jsonBody(ctx.req);
    const name = body.displayName;
    if (typeof name !== 'string' || name.trim() === '') throw new GraphHttpError(400, 'ErrorInvalidParameter', 'The value of the parameter \'DisplayName\' is empty.');
    const folder = mb.createFolder(parentId, name, body.isHidden === true);
    sendJson(ctx.res, ctx.ids, 201, { '@odata.context': `${origin}/v1.0/$metadata#users('${mb.address}')/mailFolders/$entity`, ...renderFolder(mb, folder) });
  };

  const deltaHandler = (ctx: Ctx, mb: MailboxState, folderParam: string) => {
    const folder = mb.requireFolder(folderParam);
    const q = ctx.url.searchParams;
    const select = q.get('$select')?.split(',').map((s) => s.trim()).filter(Boolean);
    const changeTypeParam = q.get('changeType');
    if (changeTypeParam && !['created', 'updated', 'deleted'].includes(changeTypeParam)) {
      throw new GraphHttpError(400, 'ErrorInvalidParameter', `Invalid changeType '${changeTypeParam}'.`);
    }
    const query: DeltaQuery = {
      mailbox: mb.address,
      folderId: folder.id,
      ...(select ? { select } : {}),
      ...(changeTypeParam ? { changeType: changeTypeParam as DeltaChangeType } : {}),
    };
    const filter = parseReceivedFilter(q.get('$filter'));
    if (filter) query.filter = filter;
    const skipToken = q.get('$skiptoken') ?? q.get('$skipToken');
    const deltaToken = q.get('$deltatoken') ?? q.get('$deltaToken');
    const state = skipToken ? delta.resume(skipToken, query) : delta.startRound(mb, query, deltaToken ?? undefined);
    const top = Number(q.get('$top') ?? '') || undefined;
    const pageSize = ctx.prefer.maxPageSize ?? top ?? defaultPageSize;
    const page = delta.page(state, pageSize);
    const value: Record<string, unknown>[] = [];
    for (const e of page.entries) {
      if (e.kind === 'removed') {
        value.push({ '@odata.type': '#microsoft.graph.message', id: ctx.prefer.immutableIds ? e.immutableId : e.restId, '@removed': { reason: 'deleted' } });
        continue;
      }
      const m = mb.messages.get(e.immutableId);
      if (!m || m.folderId !== folder.id) continue; // moved away since the round began: next round reports it
      value.push({ '@odata.type': '#microsoft.graph.message', ...renderMessage(m, { immutableIds: ctx.prefer.immutableIds, ...(state.query.select ? { select: state.query.select } : {}) }) });
    }
    const base = `${origin}/v1.0/users/${encodeURIComponent(mb.address)}/mailFolders('${folder.id}')/messages/delta`;
    const body: Record<string, unknown> = { '@odata.context': `${origin}/v1.0/$metadata#Collection(message)` };
    if (page.nextSkipToken) body['@odata.nextLink'] = `${base}?$skiptoken=${page.nextSkipToken}`;
    else body['@odata.deltaLink'] = `${base}?$deltatoken=${page.deltaToken ?? ''}`;
    body.value = value;
    sendJson(ctx.res, ctx.ids, 200, body, preferenceApplied(ctx.prefer, pageSize));
  };

  const listMessages = (ctx: Ctx, mb: MailboxState, folderParam: string) => {
    const folder = mb.requireFolder(folderParam);
    const q = ctx.url.searchParams;
    const select = q.get('$select')?.split(',').map((s) => s.trim()).filter(Boolean);
    const top = Math.min(Number(q.get('$top') ?? 10) || 10, 1000);
    const skip = Number(q.get('$skip') ?? 0) || 0;
    const all = mb.messagesIn(folder.id).sort((a, b) => Date.parse(b.receivedDateTime) - Date.parse(a.receivedDateTime));
    const page = all.slice(skip, skip + top);
    const body: Record<string, unknown> = {
      '@odata.context': `${origin}/v1.0/$metadata#users('${mb.address}')/mailFolders('${folder.id}')/messages`,
      value: page.map((m) => renderMessage(m, { immutableIds: ctx.prefer.immutableIds, ...(select ? { select } : {}) })),
    };
    if (skip + top < all.length) {
      body['@odata.nextLink'] = `${origin}/v1.0/users/${encodeURIComponent(mb.address)}/mailFolders/${folder.id}/messages?$top=${top}&$skip=${skip + top}${select ? `&$select=${select.join(',')}` : ''}`;
    }
    sendJson(ctx.res, ctx.ids, 200, body, preferenceApplied(ctx.prefer));
  };

  const moveHandler = async (ctx: Ctx, mb: MailboxState, id: string) => {
    const body = await jsonBody(ctx.req);
    const dest = body.destinationId;
    if (typeof dest !== 'string' || dest === '') throw new GraphHttpError(400, 'ErrorInvalidIdMalformed', 'Id is malformed.');
    const msg = mb.requireMessage(id);
    const folder = mb.requireFolder(dest);
    mb.moveMessage(msg, folder.id);
    sendJson(ctx.res, ctx.ids, 201, { '@odata.context': `${origin}/v1.0/$metadata#users('${mb.address}')/messages/$entity`, ...renderMessage(msg, { immutableIds: ctx.prefer.immutableIds }) }, preferenceApplied(ctx.prefer));
  };

  const recipientsToAddresses = (v: unknown): string[] =>
    Array.isArray(v)
      ? v.flatMap((r) => {
          const e = (r as { emailAddress?: { address?: unknown; name?: unknown } }).emailAddress;
          if (!e || typeof e.address !== 'string') return [];
          return [typeof e.name === 'string' && e.name ? `"${e.name.replace(/"/g, '')}" <${e.address}>` : e.address];
        })
      : [];

  const sendMailHandler = async (ctx: Ctx, mb: MailboxState) => {
    const contentType = ctx.req.headers['content-type'] ?? '';
    let raw: Buffer;
    let save = true;
    if (contentType.toLowerCase().startsWith('text/plain')) {
      raw = await mimeFromBase64Body(ctx.req);
    } else {
      const body = await jsonBody(ctx.req);
      const message = body.message as Record<string, unknown> | undefined;
      if (!message || typeof message !== 'object') throw new GraphHttpError(400, 'ErrorInvalidArgument', 'The message is required.');
      save = body.saveToSentItems !== false;
      const to = recipientsToAddresses(message.toRecipients);
      const cc = recipientsToAddresses(message.ccRecipients);
      const bcc = recipientsToAddresses(message.bccRecipients);
      if (to.length + cc.length + bcc.length === 0) throw new GraphHttpError(400, 'ErrorInvalidRecipients', 'At least one recipient is required, but none were found.');
      const b = (message.body ?? {}) as { contentType?: string; content?: string };
      const headers: Record<string, string> = {};
      if (Array.isArray(message.internetMessageHeaders)) {
        for (const h of message.internetMessageHeaders as { name?: string; value?: string }[]) {
          if (!h.name || !/^x-/i.test(h.name)) throw new GraphHttpError(400, 'InvalidInternetMessageHeader', `The internet message header name '${h.name ?? ''}' should start with 'x-' or 'X-'.`);
          headers[h.name] = h.value ?? '';
        }
      }
      const composer = new MailComposer({
        from: mb.address,
        to,
        cc,
        bcc,
        replyTo: recipientsToAddresses(message.replyTo),
        subject: typeof message.subject === 'string' ? message.subject : '',
        ...(b.contentType?.toLowerCase() === 'html' ? { html: b.content ?? '' } : { text: b.content ?? '' }),
        headers,
        messageId: `<${randomUUID()}@${mb.address.split('@')[1] ?? 'sim.local'}>`,
      });
      raw = await composer.compile().build();
    }
    const meta = await deriveMeta(raw);
    // Exchange's delivery: every recipient that is a mailbox here gets the same bytes in its Inbox.
    const deliveredTo: string[] = [];
    for (const r of [...meta.toRecipients, ...meta.ccRecipients, ...meta.bccRecipients]) {
      const address = r.emailAddress.address.toLowerCase();
      const target = opts.createRecipientMailboxes && address.includes('@') ? addMailbox(address) : mailboxes.get(address);
      if (!target || deliveredTo.includes(target.address)) continue;
      const inbox = target.requireFolder('inbox');
      const msg = target.addMessage(inbox.id, raw, meta, new Date(), false);
      deliveredTo.push(target.address);
      if (opts.autoNotify !== false) {
        for (const sub of liveSubscriptionsFor(target, msg)) void track(sendChange(sub, msg, 'created'));
      }
    }
    sentMail.push({ mailbox: mb.address, raw, savedToSentItems: save, deliveredTo });
    if (save) {
      const sentFolder = mb.requireFolder('sentitems');
      mb.addMessage(sentFolder.id, raw, meta, new Date(), true);
    }
    sendEmpty(ctx.res, ctx.ids, 202);
  };

  const subscriptionCreate = async (ctx: Ctx) => {
    const body = await jsonBody(ctx.req);
    const { changeType, notificationUrl, lifecycleNotificationUrl, resource, clientState } = body;
    if (typeof changeType !== 'string' || !changeType.split(',').every((c) => ['created', 'updated', 'deleted'].includes(c.trim()))) {
      throw new GraphHttpError(400, 'InvalidRequest', "changeType is required and must be a combination of 'created', 'updated', 'deleted'.");
    }
    if (typeof notificationUrl !== 'string' || !/^https?:\/\//i.test(notificationUrl)) throw new GraphHttpError(400, 'InvalidRequest', 'notificationUrl is required and must be an absolute URL.');
    if (lifecycleNotificationUrl !== undefined && lifecycleNotificationUrl !== null && (typeof lifecycleNotificationUrl !== 'string' || !/^https?:\/\//i.test(lifecycleNotificationUrl))) {
      throw new GraphHttpError(400, 'InvalidRequest', 'lifecycleNotificationUrl must be an absolute URL.');
    }
    if (clientState !== undefined && clientState !== null && (typeof clientState !== 'string' || clientState.length > 128)) {
      throw new GraphHttpError(400, 'InvalidRequest', 'clientState must be a string of at most 128 characters.');
    }
    const target = typeof resource === 'string' ? parseMessageResource(resource) : undefined;
    if (!target) throw new GraphHttpError(400, 'InvalidRequest', `Resource '${String(resource)}' is not supported.`);
    requireInScope(ctx.token, target.mailbox);
    const mb = requireMailbox(target.mailbox);
    const folderId = target.folder ? mb.requireFolder(target.folder).id : undefined;
    const expirationDateTime = checkExpiration(body.expirationDateTime, Date.now());
    const id = randomUUID();
    await validateEndpoint(notificationUrl, validationTimeoutMs, record, id);
    if (typeof lifecycleNotificationUrl === 'string') await validateEndpoint(lifecycleNotificationUrl, validationTimeoutMs, record, id);
    const sub: Subscription = {
      id,
      resource: resource as string,
      changeType,
      ...(typeof clientState === 'string' ? { clientState } : {}),
      notificationUrl,
      ...(typeof lifecycleNotificationUrl === 'string' ? { lifecycleNotificationUrl } : {}),
      expirationDateTime,
      applicationId: ctx.token.appId,
      creatorId: randomUUID(),
      tenantId: ctx.token.tenantId,
      mailbox: mb.address,
      ...(folderId ? { folderId } : {}),
      immutableIds: ctx.prefer.immutableIds,
    };
    subs.set(id, sub);
    sendJson(ctx.res, ctx.ids, 201, subscriptionJson(sub, origin));
  };

  const requireSubscription = (id: string, token: IssuedToken): Subscription => {
    const s = subs.get(id);
    if (!s || s.applicationId !== token.appId) throw new GraphHttpError(404, 'ResourceNotFound', `The object was not found.`);
    return s;
  };

  const handleGraph = async (ctx: Ctx): Promise<void> => {
    const r = ctx.route;
    switch (r.endpoint) {
      case 'mailFolders.list': {
        const mb = requireMailbox(r.mailbox ?? '');
        return folderList(ctx, mb, mb.rootId, `users('${mb.address}')/mailFolders`);
      }
      case 'mailFolders.create': {
        const mb = requireMailbox(r.mailbox ?? '');
        return createFolder(ctx, mb, mb.rootId);
      }
      case 'mailFolders.get': {
        const mb = requireMailbox(r.mailbox ?? '');
        const f = mb.requireFolder(r.folder ?? '');
        return sendJson(ctx.res, ctx.ids, 200, { '@odata.context': `${origin}/v1.0/$metadata#users('${mb.address}')/mailFolders/$entity`, ...renderFolder(mb, f) });
      }
      case 'childFolders.list': {
        const mb = requireMailbox(r.mailbox ?? '');
        const f = mb.requireFolder(r.folder ?? '');
        return folderList(ctx, mb, f.id, `users('${mb.address}')/mailFolders('${f.id}')/childFolders`);
      }
      case 'childFolders.create': {
        const mb = requireMailbox(r.mailbox ?? '');
        return createFolder(ctx, mb, mb.requireFolder(r.folder ?? '').id);
      }
      case 'messages.delta':
        return deltaHandler(ctx, requireMailbox(r.mailbox ?? ''), r.folder ?? '');
      case 'messages.list':
        return listMessages(ctx, requireMailbox(r.mailbox ?? ''), r.folder ?? '');
      case 'messages.get': {
        const mb = requireMailbox(r.mailbox ?? '');
        const m = mb.requireMessage(r.messageId ?? '');
        const select = ctx.url.searchParams.get('$select')?.split(',').map((s) => s.trim()).filter(Boolean);
        return sendJson(
          ctx.res,
          ctx.ids,
          200,
          { '@odata.context': `${origin}/v1.0/$metadata#users('${mb.address}')/messages/$entity`, ...renderMessage(m, { immutableIds: ctx.prefer.immutableIds, ...(select ? { select } : {}) }) },
          preferenceApplied(ctx.prefer),
        );
      }
      case 'messages.value': {
        const mb = requireMailbox(r.mailbox ?? '');
        const m = mb.requireMessage(r.messageId ?? '');
        return sendBytes(ctx.res, ctx.ids, 200, m.raw, 'text/plain', preferenceApplied(ctx.prefer));
      }
      case 'messages.delete': {
        const mb = requireMailbox(r.mailbox ?? '');
        mb.deleteMessage(mb.requireMessage(r.messageId ?? ''));
        return sendEmpty(ctx.res, ctx.ids, 204);
      }
      case 'messages.move':
        return moveHandler(ctx, requireMailbox(r.mailbox ?? ''), r.messageId ?? '');
      case 'sendMail':
        return sendMailHandler(ctx, requireMailbox(r.mailbox ?? ''));
      case 'subscriptions.create':
        return subscriptionCreate(ctx);
      case 'subscriptions.list':
        return sendJson(ctx.res, ctx.ids, 200, {
          '@odata.context': `${origin}/v1.0/$metadata#subscriptions`,
          value: [...subs.values()].filter((s) => s.applicationId === ctx.token.appId).map((s) => {
            const { '@odata.context': _ignored, ...rest } = subscriptionJson(s, origin);
            return rest;
          }),
        });
      case 'subscriptions.get':
        return sendJson(ctx.res, ctx.ids, 200, subscriptionJson(requireSubscription(r.subscriptionId ?? '', ctx.token), origin));
      case 'subscriptions.update': {
        const s = requireSubscription(r.subscriptionId ?? '', ctx.token);
        const body = await jsonBody(ctx.req);
        s.expirationDateTime = checkExpiration(body.expirationDateTime, Date.now());
        return sendJson(ctx.res, ctx.ids, 200, subscriptionJson(s, origin));
      }
      case 'subscriptions.delete':
        subs.delete(requireSubscription(r.subscriptionId ?? '', ctx.token).id);
        return sendEmpty(ctx.res, ctx.ids, 204);
      case 'subscriptions.reauthorize':
        requireSubscription(r.subscriptionId ?? '', ctx.token);
        return sendEmpty(ctx.res, ctx.ids, 204);
    }
  };

  // ---------------- HTTP entry ----------------

  const authenticate = (req: IncomingMessage): IssuedToken => {
    const header = req.headers.authorization ?? '';
    const m = /^Bearer\s+(\S+)$/i.exec(header);
    if (!m?.[1]) throw new GraphHttpError(401, 'InvalidAuthenticationToken', 'Access token is empty.');
    const token = tokens.issued.get(m[1]);
    if (!token) throw new GraphHttpError(401, 'InvalidAuthenticationToken', 'IDX14100: JWT is not well formed, there are no dots (.).\nThe token needs to be in JWS or JWE Compact Serialization Format.');
    if (token.expiresAt <= Date.now()) throw new GraphHttpError(401, 'InvalidAuthenticationToken', 'Lifetime validation failed, the token is expired.');
    if (token.audience !== 'https://graph.microsoft.com') throw new GraphHttpError(401, 'InvalidAuthenticationToken', 'Access token validation failure. Invalid audience.');
    if (deniedApps.has(token.appId)) throw new GraphHttpError(403, 'ErrorAccessDenied', 'Access is denied. Check credentials and try again.');
    return token;
  };

  const onRequest = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const startedAt = now();
    const url = new URL(req.url ?? '/', origin);
    const method = req.method ?? 'GET';
    const rec: RecordedRequest = { seq: ++reqSeq, method, url: req.url ?? '/', endpoint: 'unknown', status: 0, startedAt, finishedAt: 0 };
    const attempt = req.headers['retry-attempt'];
    if (typeof attempt === 'string') rec.retryAttempt = Number(attempt);
    // Recorded when the response has been written (not on 'finish', which can come after the
    // client already has the answer), so a test sees every request its calls made.
    const done = () => {
      rec.status = res.statusCode;
      const ra = res.getHeader('retry-after');
      if (ra !== undefined) rec.retryAfterSeconds = Number(ra);
      rec.finishedAt = now();
      requests.push(rec);
    };
    const ids = requestIds(req);
    try {
      if (!url.pathname.startsWith('/v1.0/')) {
        rec.endpoint = url.pathname.endsWith('/token') ? 'token' : url.pathname.endsWith('/authorize') ? 'authorize' : 'openid-configuration';
        if (!(await tokens.handle(req, res, url.pathname))) sendJson(res, ids, 404, { error: 'not_found' });
        return;
      }
      const route = matchRoute(method, url.pathname.slice('/v1.0'.length));
      if (!route) throw new GraphHttpError(400, 'BadRequest', `Resource not found for the segment '${url.pathname.split('/').pop() ?? ''}'.`);
      rec.endpoint = route.endpoint;
      if (route.mailbox) rec.mailbox = route.mailbox.toLowerCase();
      const token = authenticate(req);
      rec.appId = token.appId;
      const ctx: Ctx = { req, res, ids, url, route, prefer: parsePrefer(req), token };
      if (!route.mailbox) return await handleGraph(ctx);
      requireInScope(token, route.mailbox);
      const admission = throttle.admit(`${route.mailbox.toLowerCase()}|${token.appId}`, route.endpoint, Date.now());
      try {
        if (!admission.ok) {
          const headers: Record<string, string> = admission.retryAfterSeconds !== undefined ? { 'Retry-After': String(admission.retryAfterSeconds) } : {};
          req.resume();
          return sendGraphError(res, ids, admission.status, admission.code, admission.message, headers);
        }
        if (opts.latencyMs) await sleep(opts.latencyMs);
        await handleGraph(ctx);
      } finally {
        admission.release();
      }
    } catch (err) {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      req.resume();
      if (err instanceof GraphHttpError) return sendGraphError(res, ids, err.status, err.code, err.message);
      return sendGraphError(res, ids, 500, 'InternalServerError', (err as Error).message);
    } finally {
      done();
    }
  };

  const server = https.createServer({ cert: cert.certPem, key: cert.keyPem, keepAlive: true }, (req, res) => {
    void onRequest(req, res);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  origin = `https://127.0.0.1:${port}`;
  const managedIdentity = await startManagedIdentityEndpoint(tokens, (apps[0] ?? DEFAULT_APP).tenantId, opts.managedIdentity);

  const maxConcurrency = (): Record<string, number> => {
    const out: Record<string, number> = {};
    for (const [key, n] of throttle.maxObserved) {
      const mb = key.split('|')[0] ?? key;
      out[mb] = Math.max(out[mb] ?? 0, n);
    }
    return out;
  };

  const sim: GraphSimulator = {
    graphBaseUrl: `${origin}/v1.0`,
    host: '127.0.0.1',
    port,
    authorityHost: origin,
    tokenEndpoint: (tenant) => `${origin}/${tenant}/oauth2/v2.0/token`,
    caCertPem: cert.certPem,
    app: apps[0] ?? DEFAULT_APP,
    addMailbox: (address) => void addMailbox(address),
    mailboxAddresses: () => [...mailboxes.keys()].sort(),
    async deliver(mailbox, folder, rawMime, dopts = {}) {
      const mb = addMailbox(mailbox);
      const raw = Buffer.isBuffer(rawMime) ? rawMime : Buffer.from(rawMime, 'utf8');
      const f = mb.folder(folder) ?? mb.ensureFolderPath(folder);
      const msg = mb.addMessage(f.id, raw, await deriveMeta(raw), dopts.receivedAt ?? new Date(), dopts.isRead ?? false);
      if (opts.autoNotify !== false) {
        for (const s of liveSubscriptionsFor(mb, msg)) void track(sendChange(s, msg, 'created'));
      }
      return msg.immutableId;
    },
    folderMessages(mailbox, folder) {
      const mb = mailboxes.get(mailbox.toLowerCase());
      const f = mb?.folder(folder) ?? mb?.folderByPath(folder);
      if (!mb || !f) return [];
      return mb.messagesIn(f.id).map((m) => ({
        id: m.immutableId,
        immutableId: m.immutableId,
        restId: m.restId,
        folderId: m.folderId,
        internetMessageId: m.meta.internetMessageId,
        subject: m.meta.subject,
        from: m.meta.from?.emailAddress.address ?? null,
        to: m.meta.toRecipients.map((r) => r.emailAddress.address),
        bodyPreview: m.meta.bodyPreview,
        receivedDateTime: m.receivedDateTime,
        isRead: m.isRead,
      }));
    },
    folderId(mailbox, folder) {
      const mb = mailboxes.get(mailbox.toLowerCase());
      return (mb?.folder(folder) ?? mb?.folderByPath(folder))?.id;
    },
    folderPaths(mailbox) {
      const mb = mailboxes.get(mailbox.toLowerCase());
      if (!mb) return [];
      const path = (id: string): string => {
        const f = mb.folders.get(id);
        if (!f || f.id === mb.rootId) return '';
        const parent = path(f.parentFolderId);
        return parent ? `${parent}/${f.displayName}` : f.displayName;
      };
      return [...mb.folders.keys()].filter((id) => id !== mb.rootId).map(path).sort();
    },
    rawMessage(mailbox, id) {
      return mailboxes.get(mailbox.toLowerCase())?.message(id)?.raw;
    },
    moveMessage(mailbox, id, folder) {
      const mb = requireMailbox(mailbox);
      const f = mb.folder(folder) ?? mb.folderByPath(folder);
      if (!f) throw new Error(`no folder ${folder}`);
      mb.moveMessage(mb.requireMessage(id), f.id);
    },
    deleteMessage(mailbox, id) {
      const mb = requireMailbox(mailbox);
      mb.deleteMessage(mb.requireMessage(id));
    },
    markRead(mailbox, id, isRead) {
      const mb = requireMailbox(mailbox);
      mb.setRead(mb.requireMessage(id), isRead);
    },
    expireDeltaTokens: () => delta.expireAll(),
    injectFaults: (count, fault) => throttle.inject(count, fault),
    revokeTokens: () => tokens.revokeAll(),
    authorizeEndpoint: (tenant) => `${origin}/${encodeURIComponent(tenant)}/oauth2/v2.0/authorize`,
    introspectionEndpoint: (tenant) => `${origin}/${encodeURIComponent(tenant)}/oauth2/v2.0/introspect`,
    get introspections() {
      return tokens.introspections;
    },
    revokeUserGrants: (user) => tokens.grants.revokeUser(user),
    expireRefreshTokens: () => tokens.grants.expireRefreshTokens(),
    get refreshTokenRedemptions() {
      return tokens.grants.refreshes;
    },
    denyApp(clientId, denied = true) {
      if (denied) deniedApps.add(clientId);
      else deniedApps.delete(clientId);
    },
    setMailboxScope(clientId, scope) {
      if (scope) mailboxScopes.set(clientId.toLowerCase(), new Set(scope.map((m) => m.toLowerCase())));
      else mailboxScopes.delete(clientId.toLowerCase());
    },
    managedIdentity,
    stats() {
      const perEndpoint: Record<string, number> = {};
      for (const r of requests) perEndpoint[r.endpoint] = (perEndpoint[r.endpoint] ?? 0) + 1;
      return {
        requestsTotal: requests.filter((r) => r.endpoint !== 'token' && r.endpoint !== 'authorize' && r.endpoint !== 'openid-configuration').length,
        perEndpoint,
        throttled429: requests.filter((r) => r.status === 429).length,
        maxConcurrency: maxConcurrency(),
        tokenRequests: tokens.tokenRequests,
      };
    },
    get requests() {
      return requests;
    },
    resetCounters() {
      requests = [];
      throttle.maxObserved.clear();
      tokens.tokenRequests = 0;
    },
    subscriptions: () => [...subs.values()],
    restoreSubscription(s) {
      const mb = requireMailbox(s.mailbox);
      if (s.folderId) mb.requireFolder(s.folderId);
      subs.set(s.id, { ...s, mailbox: mb.address });
    },
    notifications,
    async pushChangeNotification(subscriptionId, change) {
      const s = subs.get(subscriptionId);
      if (!s) throw new Error(`no subscription ${subscriptionId}`);
      const m = requireMailbox(s.mailbox).requireMessage(change.messageId);
      return track(sendChange(s, m, change.changeType ?? 'created'));
    },
    async pushLifecycleNotification(subscriptionId, event) {
      const s = subs.get(subscriptionId);
      if (!s) throw new Error(`no subscription ${subscriptionId}`);
      const url = s.lifecycleNotificationUrl ?? s.notificationUrl;
      const body = {
        value: [
          {
            subscriptionId: s.id,
            subscriptionExpirationDateTime: s.expirationDateTime,
            tenantId: s.tenantId,
            clientState: s.clientState ?? null,
            lifecycleEvent: event,
            resource: s.resource,
            resourceData: null,
          },
        ],
      };
      if (event === 'subscriptionRemoved') subs.delete(s.id);
      const r = await track(postNotification(url, body, 3_000));
      record({ subscriptionId: s.id, kind: 'lifecycle', url, body, ...r, at: Date.now() });
      return r.status;
    },
    async settleNotifications() {
      while (pending.size > 0) await Promise.allSettled([...pending]);
    },
    sentMail,
    async stop() {
      await Promise.allSettled([...pending]);
      await managedIdentity.stop();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
  return sim;
}

export type { AppRegistration } from './token-service';
export type { ManagedIdentityEndpoint, ManagedIdentityOptions } from './managed-identity';
export type { InjectedFault, ThrottleOptions } from './throttle';
export type { Subscription, NotificationRecord } from './subscriptions';
