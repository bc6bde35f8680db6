/**
 * Every route of the admin API, in one table: functions/admin-api.ts registers every one
 * of them from it, the OpenAPI document is generated from it, and the integration test walks it
 * to prove that every admin route refuses callers without an identity (401) or without
 * the admin role (403). Function names are unique app-wide, hence the `admin` prefix.
 */
export interface RouteDef {
  /** Function name (unique in the app). */
  name: string;
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Route below /api, Functions syntax (`{id}`). */
  route: string;
  summary: string;
  /** false = public (no admin identity needed). */
  admin: boolean;
}

export const adminRoutes = {
  listChannels: { name: 'adminListChannels', method: 'GET', route: 'channels', summary: 'List mail channels', admin: true },
  createChannel: { name: 'adminCreateChannel', method: 'POST', route: 'channels', summary: 'Create a mail channel (as draft)', admin: true },
  getChannel: { name: 'adminGetChannel', method: 'GET', route: 'channels/{id}', summary: 'Read a mail channel', admin: true },
  replaceChannel: { name: 'adminReplaceChannel', method: 'PUT', route: 'channels/{id}', summary: 'Replace a mail channel', admin: true },
  patchChannel: { name: 'adminPatchChannel', method: 'PATCH', route: 'channels/{id}', summary: 'Change a mail channel with a JSON merge patch (RFC 7396)', admin: true },
  deleteChannel: { name: 'adminDeleteChannel', method: 'DELETE', route: 'channels/{id}', summary: 'Delete a mail channel and its secrets', admin: true },
  publishChannel: { name: 'adminPublishChannel', method: 'POST', route: 'channels/{id}/publish', summary: 'Publish a channel (creates its silent offer)', admin: true },
  pauseChannel: { name: 'adminPauseChannel', method: 'POST', route: 'channels/{id}/pause', summary: 'Pause a published channel', admin: true },
  listTemplates: { name: 'adminListTemplates', method: 'GET', route: 'templates', summary: 'List ticket templates', admin: true },
  getTemplate: { name: 'adminGetTemplate', method: 'GET', route: 'templates/{id}', summary: 'Read a ticket template', admin: true },
  listOffers: { name: 'adminListOffers', method: 'GET', route: 'offers', summary: 'List the offer catalogue (silent offers with includeSilent=true)', admin: true },
  listTickets: { name: 'adminListTickets', method: 'GET', route: 'tickets', summary: 'List tickets with their notes', admin: true },
  getTicket: { name: 'adminGetTicket', method: 'GET', route: 'tickets/{id}', summary: 'Read a ticket with its notes (outbound notes with the state of their mail)', admin: true },
  patchTicket: { name: 'adminPatchTicket', method: 'PATCH', route: 'tickets/{id}', summary: "Change a ticket's status with a JSON merge patch; resolved/closed notify the requester by mail when the channel does", admin: true },
  replyToTicket: { name: 'adminReplyToTicket', method: 'POST', route: 'tickets/{id}/reply', summary: "Reply to the requester by mail from the ticket's channel; the reply becomes a public note", admin: true },
  syncChannel: { name: 'adminSyncChannel', method: 'POST', route: 'channels/{id}/sync', summary: 'Read the mailbox now instead of at the next polling interval (fullResync=true forgets the sync position; the ledger prevents duplicates)', admin: true },
  dryRun: { name: 'adminDryRun', method: 'POST', route: 'channels/{id}/dry-run', summary: 'What a raw mail (message/rfc822) would do in this channel: every stage decision and the ticket, with no side effects', admin: true },
  listMessages: { name: 'adminListMessages', method: 'GET', route: 'channels/{id}/messages', summary: "The channel's ledger: each mail's fate, reason, ticket and timings, newest first", admin: true },
  getMessage: { name: 'adminGetMessage', method: 'GET', route: 'channels/{id}/messages/{key}', summary: 'One mail of the ledger, with every stage decision', admin: true },
  getMessageRaw: { name: 'adminGetMessageRaw', method: 'GET', route: 'channels/{id}/messages/{key}/raw', summary: 'The complete original mail (message/rfc822) as stored; tickets and notes link it as originalHref', admin: true },
  retryMessage: { name: 'adminRetryMessage', method: 'POST', route: 'channels/{id}/messages/{key}/retry', summary: 'Reprocess a mail from its stored raw MIME', admin: true },
  channelStats: { name: 'adminChannelStats', method: 'GET', route: 'channels/{id}/stats', summary: "Monitoring: counts per outcome, latency percentiles, failure reasons, the last sync, and a Microsoft 365 channel's change notifications per folder (push or polling, subscribed until, last error)", admin: true },
  getTicketAttachment: { name: 'adminGetTicketAttachment', method: 'GET', route: 'tickets/{id}/attachments/{index}', summary: 'Download an attachment of a ticket (the n-th, from 0)', admin: true },
  getNoteAttachment: { name: 'adminGetNoteAttachment', method: 'GET', route: 'tickets/{id}/notes/{noteId}/attachments/{index}', summary: 'Download an attachment of a note (the n-th, from 0)', admin: true },
  impactPreview: { name: 'adminImpactPreview', method: 'POST', route: 'channels/{id}/impact-preview', summary: "What a change would do: the channel's newest stored mails (?limit=, default 50, at most 200) decided with the stored configuration and with the edited one (the body: a merge patch as PATCH takes, validated alike), outcome and reason before → after; stores nothing", admin: true },
  testConnection: { name: 'adminTestConnection', method: 'POST', route: 'channels/{id}/test-connection', summary: "Test a stored channel's connection with its stored secrets, stage by stage (DNS, TCP, TLS, authentication, mailbox, folders, send); sends no mail", admin: true },
  testUnsavedConnection: { name: 'adminTestUnsavedConnection', method: 'POST', route: 'channels/test-connection', summary: 'Test an unsaved configuration (ChannelInput, every secret it needs in the body), stage by stage; stores nothing, sends no mail', admin: true },
  oauthStart: { name: 'adminOAuthStart', method: 'GET', route: 'oauth/{id}/start', summary: "Sign in a channel with the authorization-code flow: 302 to the provider's authorization endpoint (PKCE S256, a single-use state bound to this channel and to this browser by an HttpOnly cookie, 10 minutes); Accept: application/json answers { authorizationUrl }", admin: true },
  oauthStatus: { name: 'adminOAuthStatus', method: 'GET', route: 'oauth/{id}/status', summary: "A channel's sign-in: notSignedIn, signedIn (as whom, last rotation) or needsReauthorization with the provider's error", admin: true },
  // Public: the provider's redirect brings the browser here without the admin key; the state (single use, expiring, bound to the starting browser's cookie) is what admits it.
  oauthCallback: { name: 'adminOAuthCallback', method: 'GET', route: 'oauth/callback', summary: "The channel's redirect URL: redeems the code (only with a live state and the cookie of the browser that started the sign-in), stores the refresh token, and sends the browser back to the channel's sign-in in the admin page (303); a refused or failed sign-in answers a page saying why", admin: false },
  openApi: { name: 'adminOpenApi', method: 'GET', route: 'openapi.json', summary: 'This API as OpenAPI 3.1', admin: false },
} as const satisfies Record<string, RouteDef>;

export type AdminRouteKey = keyof typeof adminRoutes;
