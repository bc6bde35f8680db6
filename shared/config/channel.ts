import { z } from 'zod';
import { AllowPlaintext, connectionIssues } from './connection-rules';
import { compileAdminRegex, missingGroup } from './admin-regex';
import { ThreadingSettings } from '../threading/threading-settings';
import { AnswerSettings } from '../answers/answer-settings';

/**
 * The mail channel: one mailbox connected to the ticketing system.
 *
 * One schema family, three shapes, so no type is written twice:
 * - `ChannelInput`  — what an admin sends (secrets as plain strings, write-only);
 * - `ChannelRecord` — what Cosmos stores (secrets replaced by a `SecretRef`);
 * - `ChannelView`   — what the API returns (secrets replaced by `{ isSet }`).
 * `channelShape(secret)` builds the common shape with the given secret field type.
 */

// ---------- small building blocks ----------

export const TlsMode = z
  .enum(['implicit', 'starttls', 'none'])
  .describe('implicit = TLS from the first byte (IMAPS 993, SMTPS 465); starttls = upgrade (IMAP 143, SMTP 587); none = plaintext (needs allowPlaintext: true; never with OAuth)');

export const Protocol = z.enum(['graph', 'imap']).describe('graph = Microsoft 365 via Microsoft Graph; imap = any IMAP server, with SMTP for outbound');

export const ChannelStatus = z.enum(['draft', 'published', 'paused']);

/** A domain pattern: `example.com` (exact) or `*.example.com` (any sub-domain). Case-insensitive. */
export const DomainPattern = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^(\*\.)?([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/, 'must be a domain like example.com or *.example.com');

/** Where secrets live once stored: a name in the secret store, never the value. */
export const SecretRef = z.object({ ref: z.string().min(1), updatedAt: z.iso.datetime() });
export type SecretRef = z.infer<typeof SecretRef>;

/** What the API shows of a secret. */
export const SecretStatus = z.object({ isSet: z.boolean() });

/** What an admin sends: the value (write-only), or null to clear it. Absent = keep. */
export const SecretInput = z.string().min(1).max(8192).nullable();

export const ConnectionSettings = z.object({
  timeoutMs: z.number().int().min(1000).max(300_000).default(30_000),
  retryCount: z.number().int().min(0).max(10).default(3),
  backoffMs: z.number().int().min(0).max(600_000).default(2_000),
});

export const OAuthFlow = z.enum(['clientCredentials', 'authorizationCode']);

function authShape<S extends z.ZodType>(secret: S) {
  const password = z.object({
    type: z.literal('password'),
    password: secret.optional(),
  });
  const oauth = z.object({
    type: z.literal('oauth'),
    flow: OAuthFlow.default('clientCredentials'),
    tenantId: z.string().min(1).describe('Entra ID tenant id (GUID) or domain'),
    clientId: z.string().min(1),
    clientSecret: secret.optional(),
    /** Override of the token endpoint, e.g. a sovereign cloud or a local stand-in. */
    tokenEndpoint: z.url().optional(),
    /** Redirect URL registered for the authorization-code flow. */
    redirectUrl: z.url().optional(),
    scopes: z.array(z.string().min(1)).default([]),
    /** Refresh token obtained by the authorization-code flow. */
    refreshToken: secret.optional(),
  });
  // The Function App's own identity: its token comes from the platform's identity endpoint
  // (IDENTITY_ENDPOINT, never a channel field), so the channel holds no secret at all.
  const managedIdentity = z.object({
    type: z.literal('managedIdentity'),
    managedIdentityClientId: z
      .guid()
      .optional()
      .describe("client id of a user-assigned managed identity of the Function App; absent = the app's system-assigned identity"),
  });
  return z.discriminatedUnion('type', [password, oauth, managedIdentity]);
}

/**
 * A managed identity reaches Microsoft Graph only. Exchange Online IMAP and SMTP take XOAUTH2
 * with a token for outlook.office365.com that names a mailbox the app's service principal was
 * given access to in Exchange (Add-MailboxPermission); the Function App's identity is not such
 * an app registration, so IMAP/SMTP channels use "password" or "oauth".
 */
export const MANAGED_IDENTITY_GRAPH_ONLY =
  'auth.type "managedIdentity" works for protocol "graph" only: Exchange Online IMAP/SMTP need an XOAUTH2 token of an app registration (or a user) that Exchange was told about, which the Function App\'s identity is not; use protocol "graph", or auth.type "oauth" or "password" for IMAP/SMTP';

function managedIdentityIssues(c: { connection: { protocol: string; auth: { type: string }; smtp?: { auth?: { type: string } } } }, ctx: z.RefinementCtx): void {
  const conn = c.connection;
  if (conn.protocol !== 'imap') return;
  if (conn.auth.type === 'managedIdentity') ctx.addIssue({ code: 'custom', path: ['connection', 'auth', 'type'], message: MANAGED_IDENTITY_GRAPH_ONLY });
  if (conn.smtp?.auth?.type === 'managedIdentity') ctx.addIssue({ code: 'custom', path: ['connection', 'smtp', 'auth', 'type'], message: MANAGED_IDENTITY_GRAPH_ONLY });
}

function smtpShape<S extends z.ZodType>(secret: S) {
  return z.object({
    host: z.string().min(1),
    port: z.number().int().min(1).max(65535).default(587),
    tls: TlsMode.default('starttls'),
    allowPlaintext: AllowPlaintext,
    /** Defaults to the IMAP username. */
    username: z.string().min(1).optional(),
    /** Defaults to the IMAP auth. */
    auth: authShape(secret).optional(),
  });
}

function connectionShape<S extends z.ZodType>(secret: S) {
  const common = {
    /** The mailbox address (Graph: the user / shared mailbox; IMAP: the login name). */
    username: z.string().min(1),
    replyTo: z.email().optional(),
    auth: authShape(secret),
    settings: ConnectionSettings.prefault({}),
    pollIntervalSeconds: z.number().int().min(60).max(86_400).default(60),
  };
  const graph = z.object({
    protocol: z.literal('graph'),
    /** Graph host; overridable for national clouds and local stand-ins. */
    host: z.string().min(1).default('graph.microsoft.com'),
    port: z.number().int().min(1).max(65535).default(443),
    tls: TlsMode.default('implicit'),
    ...common,
  });
  const imap = z.object({
    protocol: z.literal('imap'),
    host: z.string().min(1),
    port: z.number().int().min(1).max(65535).default(993),
    tls: TlsMode.default('implicit'),
    allowPlaintext: AllowPlaintext,
    ...common,
    smtp: smtpShape(secret).optional(),
  });
  return z.discriminatedUnion('protocol', [graph, imap]);
}

export const FolderMapping = z.object({
  read: z.array(z.string().min(1)).min(1).default(['Inbox']),
  success: z.string().min(1).default('Processed'),
  fail: z.string().min(1).default('Failed'),
  /** Mail here is never touched. */
  exclusion: z.string().min(1).optional(),
});

export const DomainSettings = z.object({
  /** Empty = every sender domain is allowed. */
  allowed: z.array(DomainPattern).default([]),
  excludeAutoReplies: z.boolean().default(true),
  /**
   * Notifications (`Auto-Submitted: auto-generated`: monitoring alerts, service
   * notifications) become tickets — never with an auto-response. Off: they are
   * ignored like other machine mail (while `excludeAutoReplies` is on).
   */
  acceptNotifications: z.boolean().default(false),
});

/** Which property of the mail a ticket field is taken from. */
export const MailProperty = z.enum([
  'subject',
  'text',
  'html',
  'from',
  'fromName',
  'to',
  'cc',
  'date',
  'priority',
  'messageId',
  'attachmentNames',
]);

export const FieldSource = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('mail'), property: MailProperty }),
  z.object({ kind: z.literal('header'), name: z.string().min(1).regex(/^[!-9;-~]+$/, 'must be a header name') }),
  z.object({
    kind: z.literal('regex'),
    on: z.enum(['subject', 'body']),
    /** Checked with the flags in ChannelInput, on the engine that runs it (see admin-regex.ts). */
    pattern: z
      .string()
      .min(1)
      .max(1000)
      .describe('RE2 syntax (linear-time matching): JavaScript syntax with named groups (?<name>…), without lookarounds (?=…) (?!…) (?<=…) (?<!…) and backreferences \\1 \\k<name>'),
    flags: z.string().max(4).default('i').describe('i (case-insensitive), m (^ and $ at line ends), s (. matches line ends), u (no effect; RE2 is always Unicode); each at most once'),
    /** Capture group number or name; 0 = whole match. */
    group: z.union([z.number().int().min(0).max(99), z.string().min(1)]).default(1),
  }),
]);

export const FieldMapping = z.object({
  field: z.string().min(1).describe('ticket field name in the template'),
  source: FieldSource,
  default: z.string().optional(),
});
export type FieldMapping = z.infer<typeof FieldMapping>;

export const NonWhitelistedReply = z
  .enum(['reject', 'newTicket'])
  .describe('what a reply to a ticket whose template is not whitelisted does: reject = fail folder with reason; newTicket = treat as a new mail');

export const TicketMapping = z.object({
  templateId: z.string().min(1),
  /** Templates whose tickets accept email updates (replies become notes). */
  whitelist: z.array(z.string().min(1)).default([]),
  fields: z.array(FieldMapping).default([]),
  nonWhitelistedReply: NonWhitelistedReply.default('reject'),
});

/** Which mail existing at publish time becomes tickets. */
export const ImportPolicy = z.object({
  mode: z.enum(['newOnly', 'since']).default('newOnly'),
  /** With mode `since`: mail received at or after this instant is imported (never auto-answered). */
  since: z.iso.datetime().optional(),
});

function channelFields<S extends z.ZodType>(secret: S) {
  return {
    name: z.string().trim().min(1).max(200),
    description: z.string().max(2000).optional(),
    connection: connectionShape(secret),
    folders: FolderMapping.prefault({}),
    domains: DomainSettings.prefault({}),
    ticketMapping: TicketMapping,
    import: ImportPolicy.prefault({}),
    /** How replies find their ticket, and what replies the channel may not simply attach do. */
    threading: ThreadingSettings.prefault({}),
    /** The mail the channel sends on its own: acknowledgements and status notifications. */
    answers: AnswerSettings.prefault({}),
  };
}

/** What an admin sends to create or replace a channel. */
export const ChannelInput = z
  .object(channelFields(SecretInput))
  .superRefine((c, ctx) => {
    if (c.import.mode === 'since' && !c.import.since) {
      ctx.addIssue({ code: 'custom', path: ['import', 'since'], message: 'required when import.mode is "since"' });
    }
  })
  .superRefine(regexMappingIssues)
  .superRefine(connectionIssues)
  .superRefine(managedIdentityIssues);
export type ChannelInput = z.infer<typeof ChannelInput>;

/**
 * Every regex field mapping compiles, pattern and flags together, on the engine that runs
 * it (RE2). Checked on input only: a stored channel always loads, and a pattern that
 * fails later is an explained outcome of the mail (see field-mapping.ts), not a retry loop.
 */
function regexMappingIssues(c: { ticketMapping: { fields: readonly FieldMapping[] } }, ctx: z.RefinementCtx): void {
  c.ticketMapping.fields.forEach((m, i) => {
    if (m.source.kind !== 'regex') return;
    const compiled = compileAdminRegex(m.source.pattern, m.source.flags);
    if (!compiled.ok) {
      ctx.addIssue({ code: 'custom', path: ['ticketMapping', 'fields', i, 'source', compiled.field], message: compiled.message });
      return;
    }
    const missing = missingGroup(compiled.regex, m.source.group);
    if (missing) ctx.addIssue({ code: 'custom', path: ['ticketMapping', 'fields', i, 'source', 'group'], message: missing });
  });
}

const audit = {
  createdAt: z.iso.datetime(),
  createdBy: z.string(),
  updatedAt: z.iso.datetime(),
  updatedBy: z.string(),
  publishedAt: z.iso.datetime().optional(),
  /** The silent offer created on first publish. */
  offerId: z.string().optional(),
};

/** What Cosmos stores (container `channels`, partition key `/id`). */
export const ChannelRecord = z.object({
  id: z.string().min(1),
  status: ChannelStatus,
  ...channelFields(SecretRef),
  ...audit,
});
export type ChannelRecord = z.infer<typeof ChannelRecord>;

/** What the admin API returns: every field, secrets as `{ isSet }`, plus the ETag. */
export const ChannelView = z.object({
  id: z.string(),
  status: ChannelStatus,
  ...channelFields(SecretStatus),
  ...audit,
  /**
   * Read-only, for channels signed in with the authorization-code flow: the provider refused
   * the refresh token for good (revoked, expired, consent withdrawn); the channel syncs nothing
   * until an admin signs in again (`GET /api/oauth/{id}/start`).
   */
  needsReauthorization: z.object({ code: z.string(), message: z.string(), at: z.string() }).optional(),
  etag: z.string(),
});
export type ChannelView = z.infer<typeof ChannelView>;

export type Connection = ChannelRecord['connection'];
export type Auth = Connection['auth'];
export type ManagedIdentityAuth = Extract<Auth, { type: 'managedIdentity' }>;

