import type { HttpHandler } from '@azure/functions';
import { z } from 'zod';
import { routeHandler, type ApiOperation, type ApiRequest } from '../http/handler';
import { parseOrThrow } from '../http/validation';
import { NotFoundError } from '../store/errors';
import { listTemplates, getTemplate, listOffers } from '../tickets/catalogue';
import { listTickets } from '../tickets/tickets';
import {
  listChannels, getChannel, createChannel, replaceChannel, patchChannel, deleteChannel, publishChannel, pauseChannel, type ChangeContext,
} from './channel-service';
import { openApiDocument } from './openapi';
import { ticketAttachmentOperation, withAttachmentLinks } from './attachments';
import { syncChannelOperation, dryRunOperation, listMessagesOperation, getMessageOperation, getMessageRawOperation, retryMessageOperation, channelStatsOperation } from './mail-operations';
import { adminRoutes, type AdminRouteKey } from './routes';
import { ticketOperation, patchTicketOperation, replyToTicketOperation } from './ticket-operations';
import { testStoredConnectionOperation, testUnsavedConnectionOperation } from './connection-test/operations';
import { impactPreviewOperation } from './impact-preview-operation';
import { signInCallbackOperation, signInStatusOperation, startSignInOperation } from './sign-in-operations';

/**
 * The admin API's operations, one per route in routes.ts, each wrapped by the route
 * table's edge rules (shared/http/handler.ts: authentication, same-site state changes,
 * route parameter checks, error mapping). functions/admin-api.ts registers these.
 */
const OffersQuery = z.object({ includeSilent: z.enum(['true', 'false']).optional() });
const TicketsQuery = z.object({
  channelId: z.string().min(1).optional(),
  limit: z.coerce.number().int().min(1).max(1000).optional(),
});

function change(req: ApiRequest): ChangeContext {
  return { actor: req.principal.name, ifMatch: req.ifMatch, warn: (m) => req.context.warn(m) };
}

function query(req: ApiRequest): Record<string, string> {
  return Object.fromEntries(req.request.query.entries());
}

const operations: Record<AdminRouteKey, ApiOperation> = {
  listChannels: async () => ({ body: { items: await listChannels() } }),
  createChannel: async (req) => {
    const view = await createChannel(await req.json(), change(req));
    return { status: 201, body: view, etag: view.etag, headers: { location: `/api/channels/${view.id}` } };
  },
  getChannel: async (req) => {
    const view = await getChannel(req.param('id'));
    return { body: view, etag: view.etag };
  },
  replaceChannel: async (req) => {
    const view = await replaceChannel(req.param('id'), await req.json(), change(req));
    return { body: view, etag: view.etag };
  },
  patchChannel: async (req) => {
    const view = await patchChannel(req.param('id'), await req.json(), change(req));
    return { body: view, etag: view.etag };
  },
  deleteChannel: async (req) => {
    await deleteChannel(req.param('id'), change(req));
    return { status: 204 };
  },
  publishChannel: async (req) => {
    const view = await publishChannel(req.param('id'), change(req));
    return { body: view, etag: view.etag };
  },
  pauseChannel: async (req) => {
    const view = await pauseChannel(req.param('id'), change(req));
    return { body: view, etag: view.etag };
  },
  listTemplates: async () => ({ body: { items: await listTemplates() } }),
  getTemplate: async (req) => {
    const id = req.param('id');
    const t = await getTemplate(id);
    if (!t) throw new NotFoundError('template', id);
    return { body: t };
  },
  listOffers: async (req) => {
    const q = parseOrThrow(OffersQuery, query(req));
    return { body: { items: await listOffers({ includeSilent: q.includeSilent === 'true' }) } };
  },
  listTickets: async (req) => {
    const q = parseOrThrow(TicketsQuery, query(req));
    return { body: { items: (await listTickets(q)).map(withAttachmentLinks) } };
  },
  getTicket: ticketOperation,
  patchTicket: patchTicketOperation,
  replyToTicket: replyToTicketOperation,
  getTicketAttachment: ticketAttachmentOperation,
  getNoteAttachment: ticketAttachmentOperation,
  syncChannel: syncChannelOperation,
  dryRun: dryRunOperation,
  listMessages: listMessagesOperation,
  getMessage: getMessageOperation,
  getMessageRaw: getMessageRawOperation,
  retryMessage: retryMessageOperation,
  channelStats: channelStatsOperation,
  impactPreview: impactPreviewOperation,
  testConnection: testStoredConnectionOperation,
  testUnsavedConnection: testUnsavedConnectionOperation,
  oauthStart: startSignInOperation,
  oauthStatus: signInStatusOperation,
  oauthCallback: signInCallbackOperation,
  openApi: async () => ({ body: openApiDocument(), headers: { 'cache-control': 'public, max-age=300' } }),
};

export const adminApi: Record<AdminRouteKey, HttpHandler> = Object.fromEntries(
  (Object.keys(operations) as AdminRouteKey[]).map((k) => [k, routeHandler(adminRoutes[k], operations[k])]),
) as Record<AdminRouteKey, HttpHandler>;
