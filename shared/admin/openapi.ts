import { Outcome } from '../store/ledger';
import { z } from 'zod';
import { ChannelInput, ChannelView } from '../config/channel';
import { ApiErrorBody } from '../http/api-error';
import { Template } from '../tickets/template';
import { Offer } from '../tickets/offer';
import { TicketWithNotes } from '../tickets/ticket';
import { LedgerRecord } from '../store/ledger';
import { ADMIN_ROLE } from '../http/admin-auth';
import { CSRF_HEADER, isStateChanging } from '../http/cross-site';
import { MAX_JSON_DEPTH } from '../http/json-depth';
import { adminRoutes, type AdminRouteKey, type RouteDef } from './routes';
import { AgentReplyRequest } from '../answers/agent-reply';
import { TicketPatch } from './ticket-patch';
import { ReplyAccepted } from './ticket-reply';
import { NotificationOutcome } from './ticket-status';
import { TicketView } from './ticket-view';
import { ConnectionTestResult } from './connection-test/result';
import { ImpactPreview } from './impact-preview';
import { DryRunRequest } from './dry-run-request';
import { SignInStart, SignInStatus } from './sign-in-view';
import { MAX_BUCKETS } from './stats-series';

/**
 * The admin API as an OpenAPI 3.1 document, generated from the same zod schemas the code
 * validates with (`z.toJSONSchema`, JSON Schema 2020-12 = OpenAPI 3.1's dialect) and from
 * the route table, so it cannot drift from what the routes do.
 */
const list = <S extends z.ZodType>(item: S) => z.object({ items: z.array(item) });

const outputSchemas = {
  ChannelView,
  ChannelList: list(ChannelView),
  Template,
  TemplateList: list(Template),
  Offer,
  OfferList: list(Offer),
  Ticket: TicketWithNotes,
  TicketList: list(TicketWithNotes),
  TicketView,
  TicketPatchResult: TicketWithNotes.omit({ notes: true }).extend({ notification: NotificationOutcome.optional().describe("the requester's notification of this change: queued (or found from an earlier PATCH), or why none goes out") }),
  ReplyAccepted,
  Message: LedgerRecord,
  MessageList: list(LedgerRecord).extend({ continuationToken: z.string().optional() }),
  ConnectionTestResult,
  ImpactPreview,
  SignInStart,
  SignInStatus,
  Error: ApiErrorBody,
} as const;
const inputSchemas = { ChannelInput, AgentReplyRequest, TicketPatch, DryRunRequest } as const;

type SchemaId = keyof typeof outputSchemas | keyof typeof inputSchemas | 'ChannelPatch';

interface OperationSpec {
  body?: SchemaId;
  /** A non-JSON body (the dry run takes a raw mail). */
  rawBody?: { contentTypes: string[]; description: string };
  ok: { status: number; schema?: SchemaId; etag?: boolean };
  ifMatch?: boolean;
  query?: { name: string; description: string; schema: Record<string, unknown> }[];
  /** Answers besides `ok` and the errors (redirects, pages), as OpenAPI response objects by status. */
  otherResponses?: Record<string, Record<string, unknown>>;
  /** The error statuses answer a text/html page (a browser lands on them), not the JSON Error. */
  htmlErrors?: boolean;
  /** Request headers beyond If-Match. */
  headers?: { name: string; description: string; schema: Record<string, unknown> }[];
  errors: number[];
}

/** Bodies that are JSON merge patches (RFC 7396): sent as application/merge-patch+json, plain JSON accepted too. */
const MERGE_PATCHES: ReadonlySet<SchemaId> = new Set<SchemaId>(['ChannelPatch', 'TicketPatch']);

const auth = [401, 403];
const spec: Record<AdminRouteKey, OperationSpec> = {
  listChannels: { ok: { status: 200, schema: 'ChannelList' }, errors: auth },
  createChannel: { body: 'ChannelInput', ok: { status: 201, schema: 'ChannelView', etag: true }, errors: [400, ...auth, 413, 415] },
  getChannel: { ok: { status: 200, schema: 'ChannelView', etag: true }, errors: [...auth, 404] },
  replaceChannel: { body: 'ChannelInput', ifMatch: true, ok: { status: 200, schema: 'ChannelView', etag: true }, errors: [400, ...auth, 404, 409, 412, 413, 415] },
  patchChannel: { body: 'ChannelPatch', ifMatch: true, ok: { status: 200, schema: 'ChannelView', etag: true }, errors: [400, ...auth, 404, 409, 412, 413, 415] },
  deleteChannel: { ifMatch: true, ok: { status: 204 }, errors: [...auth, 404, 412] },
  publishChannel: { ifMatch: true, ok: { status: 200, schema: 'ChannelView', etag: true }, errors: [...auth, 404, 409, 412] },
  pauseChannel: { ifMatch: true, ok: { status: 200, schema: 'ChannelView', etag: true }, errors: [...auth, 404, 409, 412] },
  listTemplates: { ok: { status: 200, schema: 'TemplateList' }, errors: auth },
  getTemplate: { ok: { status: 200, schema: 'Template' }, errors: [...auth, 404] },
  listOffers: {
    ok: { status: 200, schema: 'OfferList' },
    query: [{ name: 'includeSilent', description: 'also list silent offers (the entry points of mail channels)', schema: { type: 'string', enum: ['true', 'false'] } }],
    errors: [400, ...auth],
  },
  listTickets: {
    ok: { status: 200, schema: 'TicketList' },
    query: [
      { name: 'channelId', description: 'only tickets created from this channel', schema: { type: 'string' } },
      { name: 'limit', description: 'at most this many tickets, newest first (default 200)', schema: { type: 'integer', minimum: 1, maximum: 1000 } },
    ],
    errors: [400, ...auth],
  },
  getTicket: { ok: { status: 200, schema: 'TicketView', etag: true }, errors: [...auth, 404] },
  patchTicket: { body: 'TicketPatch', ifMatch: true, ok: { status: 200, schema: 'TicketPatchResult', etag: true }, errors: [400, ...auth, 404, 412, 413, 415] },
  replyToTicket: {
    body: 'AgentReplyRequest',
    ok: { status: 202, schema: 'ReplyAccepted' },
    headers: [
      {
        name: 'Idempotency-Key',
        description: 'any printable ASCII (≤ 200): a repeated request with the same key sends the reply once and answers with the same ids; without it every request is a new reply',
        schema: { type: 'string', minLength: 1, maxLength: 200 },
      },
    ],
    errors: [400, ...auth, 404, 409, 413, 415],
  },
  syncChannel: {
    ok: { status: 202 },
    query: [{ name: 'fullResync', description: 'forget the stored sync position and read the folders anew', schema: { type: 'string', enum: ['true', 'false'] } }],
    errors: [400, ...auth, 404, 409],
  },
  dryRun: {
    rawBody: { contentTypes: ['message/rfc822'], description: 'the raw mail (.eml), at most 36 MB; or, as application/json (DryRunRequest, at most 256 KiB), a sample mail by text, base64 or stored key with an optional configuration patch (validated as PATCH, stored nowhere)' },
    body: 'DryRunRequest',
    ok: { status: 200 },
    query: [{ name: 'folder', description: 'the folder the mail is pretended to be in (default: the first folder read)', schema: { type: 'string' } }],
    errors: [400, ...auth, 404, 409, 410, 413, 415],
  },
  listMessages: {
    ok: { status: 200, schema: 'MessageList' },
    query: [
      { name: 'outcome', description: 'only mail with this outcome', schema: { type: 'string', enum: [...Outcome.options] } },
      { name: 'state', description: 'only mail in this processing state', schema: { type: 'string', enum: ['received', 'decided', 'done'] } },
      { name: 'limit', description: 'page size (default 50)', schema: { type: 'integer', minimum: 1, maximum: 200 } },
      { name: 'continuationToken', description: 'the token of the previous page', schema: { type: 'string' } },
    ],
    errors: [400, ...auth, 404],
  },
  getMessage: { ok: { status: 200, schema: 'Message' }, errors: [...auth, 404] },
  getMessageRaw: { ok: { status: 200 }, errors: [...auth, 404, 410] },
  retryMessage: { ok: { status: 202 }, errors: [...auth, 404, 409] },
  channelStats: {
    ok: { status: 200 },
    errors: [...auth, 400, 404],
    query: [
      { name: 'since', description: 'count only the mails first attempted at or after this ISO date-time (e.g. the last 24 h), from the start of its clock hour (the counters are hourly); absent = all', schema: { type: 'string', format: 'date-time' } },
      { name: 'bucketMinutes', description: `also answer \`series\`: the finished mails per outcome, by the time of their first attempt, in consecutive buckets of this many minutes aligned to the clock, from \`since\` (or the earliest mail) to now; at most ${MAX_BUCKETS} buckets (more → 400). Whole hours come from the hourly counters the totals use; shorter buckets read the ledger`, schema: { type: 'integer', minimum: 1, maximum: 1440 } },
    ],
  },
  getTicketAttachment: { ok: { status: 200 }, errors: [...auth, 404, 410] },
  getNoteAttachment: { ok: { status: 200 }, errors: [...auth, 404, 410] },
  impactPreview: {
    body: 'ChannelPatch',
    ok: { status: 200, schema: 'ImpactPreview' },
    query: [{ name: 'limit', description: 'how many of the newest stored mails to re-decide (default 50)', schema: { type: 'integer', minimum: 1, maximum: 200 } }],
    errors: [400, ...auth, 404, 409, 413, 415],
  },
  testConnection: { ok: { status: 200, schema: 'ConnectionTestResult' }, errors: [...auth, 404] },
  testUnsavedConnection: { body: 'ChannelInput', ok: { status: 200, schema: 'ConnectionTestResult' }, errors: [400, ...auth, 413, 415] },
  oauthStart: {
    ok: { status: 200, schema: 'SignInStart' },
    headers: [{ name: 'Accept', description: 'application/json: answer { authorizationUrl } (for a fetch) instead of the 302', schema: { type: 'string' } }],
    otherResponses: {
      '302': {
        description: "To the provider's authorization endpoint; Set-Cookie binds the sign-in to this browser (HttpOnly, SameSite=Lax, Path=/api/oauth/callback, 10 minutes)",
        headers: { Location: { schema: { type: 'string' } }, 'Set-Cookie': { schema: { type: 'string' } } },
      },
    },
    errors: [...auth, 404, 409],
  },
  oauthStatus: { ok: { status: 200, schema: 'SignInStatus' }, errors: [...auth, 404, 409] },
  oauthCallback: {
    ok: { status: 303 },
    query: [
      { name: 'state', description: 'the state the start route made: single use, expires after 10 minutes, valid only with the starting browser\'s cookie', schema: { type: 'string', maxLength: 1024 } },
      { name: 'code', description: "the provider's authorization code", schema: { type: 'string', maxLength: 8192 } },
      { name: 'error', description: "the provider's error code, when the user declined or the provider refused", schema: { type: 'string', maxLength: 256 } },
      { name: 'error_description', description: "the provider's words", schema: { type: 'string', maxLength: 4096 } },
    ],
    htmlErrors: true,
    errors: [400],
  },
  openApi: { ok: { status: 200 }, errors: [] },
};

const ERROR_TEXT: Record<number, string> = {
  400: `Invalid input: \`issues\` names every wrong field (\`error: "validation"\`; a malformed route parameter as \`params.<name>\`), or malformed JSON (also: nested deeper than ${MAX_JSON_DEPTH} levels)`,
  401: 'No identity: sign in through App Service Authentication or send the admin key',
  403: `Signed in without the app role ${ADMIN_ROLE} (\`forbidden\`), or a state change that may come from another site (\`cross_site_request\`, see ${CSRF_HEADER})`,
  404: 'No such resource',
  409: 'The change contradicts the current state (e.g. the template of a published channel)',
  412: 'If-Match does not match the current ETag: someone changed it since you read it',
  413: 'Body too large',
  410: 'Not stored: an attachment blocked by policy (its reason is on the ticket), or a mail that was never fetched',
  415: 'Body is not JSON',
};

function componentSchemas(): Record<string, unknown> {
  const toComponents = (schemas: Record<string, z.ZodType>, io: 'input' | 'output') => {
    const registry = z.registry<{ id: string }>();
    for (const [id, schema] of Object.entries(schemas)) registry.add(schema, { id });
    const out = z.toJSONSchema(registry, { io, target: 'draft-2020-12', unrepresentable: 'any', uri: (id) => `#/components/schemas/${id}` });
    return Object.fromEntries(
      Object.entries(out.schemas).map(([id, s]) => {
        const { $schema: _schema, $id: _id, ...rest } = s as Record<string, unknown>;
        return [id, rest];
      }),
    );
  };
  return {
    ...toComponents(outputSchemas, 'output'),
    ...toComponents(inputSchemas, 'input'),
    ChannelPatch: {
      type: 'object',
      description:
        'JSON Merge Patch (RFC 7396) of ChannelInput: objects merge, null removes a key, arrays replace. The result must be a valid ChannelInput. ' +
        'Secret keys (password, clientSecret, refreshToken) keep their PUT meaning: a string sets, null clears, absent keeps.',
    },
  };
}

function operation(key: AdminRouteKey, route: RouteDef): Record<string, unknown> {
  const s = spec[key];
  const pathParams = [...route.route.matchAll(/\{(\w+)\}/g)].map((m) => ({
    name: m[1],
    in: 'path',
    required: true,
    schema: m[1] === 'index' ? { type: 'string', pattern: '^\\d{1,6}$' } : { type: 'string', minLength: 1, maxLength: 255, description: 'printable ASCII without spaces or / \\ ? # %' },
  }));
  // A bodiless POST has no content type to make it non-simple: the header does (shared/http/cross-site.ts).
  const bodilessPost = route.admin && route.method === 'POST' && !s.body && !s.rawBody;
  const parameters = [
    ...pathParams,
    ...(bodilessPost
      ? [{ name: CSRF_HEADER, in: 'header', required: false, description: 'any value; required when signed in through the browser (App Service Authentication), not with the admin key', schema: { type: 'string' } }]
      : []),
    ...(s.query ?? []).map((q) => ({ name: q.name, in: 'query', required: false, description: q.description, schema: q.schema })),
    ...(s.ifMatch ? [{ name: 'If-Match', in: 'header', required: false, description: 'the ETag you read; 412 when it is no longer current', schema: { type: 'string' } }] : []),
    ...(s.headers ?? []).map((h) => ({ name: h.name, in: 'header', required: false, description: h.description, schema: h.schema })),
  ];
  const ref = (id: SchemaId) => ({ $ref: `#/components/schemas/${id}` });
  const responses: Record<string, unknown> = {
    [String(s.ok.status)]: {
      description: s.ok.status === 204 ? 'Done' : s.ok.status === 303 ? "Signed in: back to the channel's sign-in in the admin page" : 'OK',
      ...(s.ok.etag ? { headers: { ETag: { description: 'current version, for If-Match', schema: { type: 'string' } } } } : {}),
      ...(s.ok.schema ? { content: { 'application/json': { schema: ref(s.ok.schema) } } } : {}),
    },
  };
  const errors = new Set(s.errors);
  if (pathParams.length) errors.add(400);
  if (route.admin && isStateChanging(route.method)) errors.add(403);
  for (const status of [...errors].sort((a, b) => a - b)) {
    responses[String(status)] = s.htmlErrors
      ? { description: key === 'oauthCallback' ? 'Refused (a replayed, forged or expired state, or another browser) or failed (the provider refused): a page saying why, with a link back' : 'A page saying why', content: { 'text/html': { schema: { type: 'string' } } } }
      : { description: ERROR_TEXT[status] ?? 'Error', content: { 'application/json': { schema: ref('Error') } } };
  }
  Object.assign(responses, s.otherResponses ?? {});
  if (route.admin) {
    responses['503'] = {
      description: key === 'dryRun' || key === 'impactPreview' ? 'The instance has no memory to spare for the mail now, or a dependency is busy; retry after Retry-After seconds' : 'A dependency is busy or unreachable; retry',
      headers: { 'Retry-After': { description: 'seconds to wait', schema: { type: 'integer' } } },
      content: { 'application/json': { schema: ref('Error') } },
    };
  }
  return {
    operationId: route.name,
    summary: route.summary,
    tags: [route.route.split('/')[0]],
    ...(parameters.length ? { parameters } : {}),
    ...(s.rawBody || s.body
      ? {
          requestBody: {
            required: true,
            ...(s.rawBody ? { description: s.rawBody.description } : {}),
            content: {
              // Both where an operation takes either (the dry run: a raw mail, or JSON naming one).
              ...(s.rawBody ? Object.fromEntries(s.rawBody.contentTypes.map((t) => [t, { schema: { type: 'string', contentMediaType: t } }])) : {}),
              ...(s.body ? { [MERGE_PATCHES.has(s.body) ? 'application/merge-patch+json' : 'application/json']: { schema: ref(s.body) } } : {}),
              ...(s.body && MERGE_PATCHES.has(s.body) ? { 'application/json': { schema: ref(s.body) } } : {}),
            },
          },
        }
      : {}),
    responses,
    ...(route.admin ? {} : { security: [] }),
  };
}

let cached: Record<string, unknown> | undefined;

export function openApiDocument(): Record<string, unknown> {
  if (cached) return cached;
  const paths: Record<string, Record<string, unknown>> = {};
  for (const key of Object.keys(adminRoutes) as AdminRouteKey[]) {
    const route: RouteDef = adminRoutes[key];
    const p = `/api/${route.route}`;
    paths[p] ??= {};
    paths[p][route.method.toLowerCase()] = operation(key, route);
  }
  cached = {
    openapi: '3.1.0',
    info: {
      title: 'Mail channel admin API',
      version: '1.0.0',
      description:
        'Configure mail channels (mailboxes that become tickets), and read the templates, offers and tickets they feed. ' +
        'Secrets are write-only: responses show { isSet } instead. Every change answers with an ETag; send it back in If-Match to avoid lost updates. ' +
        `State changes are accepted only from this site: a request whose Origin or Sec-Fetch-Site names another site is refused (403 cross_site_request), and a POST must not look like a form: it carries a body of its own type (application/json, message/rfc822), or the header ${CSRF_HEADER} (any value), or the admin key header. ` +
        `Route ids are printable ASCII without spaces or / \\ ? # % (400 otherwise); JSON bodies nest at most ${MAX_JSON_DEPTH} levels.`,
    },
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    servers: [{ url: '/' }],
    security: [{ appServiceAuth: [] }, { adminKey: [] }, { adminBearer: [] }],
    paths,
    components: {
      schemas: componentSchemas(),
      securitySchemes: {
        appServiceAuth: {
          type: 'apiKey',
          in: 'header',
          name: 'x-ms-client-principal',
          description: `Set by App Service Authentication (Entra ID) after sign-in; clients cannot set it. Requires the app role ${ADMIN_ROLE}.`,
        },
        adminKey: { type: 'apiKey', in: 'header', name: 'x-functions-key', description: 'The ADMIN_API_KEY app setting.' },
        adminBearer: { type: 'http', scheme: 'bearer', description: 'The ADMIN_API_KEY app setting as a bearer token.' },
      },
    },
  };
  return cached;
}
