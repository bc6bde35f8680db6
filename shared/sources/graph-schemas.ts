import { z } from 'zod';

/** The parts of Graph's responses the Graph source depends on (extra fields are ignored). */

export const GraphMessageRef = z.object({
  id: z.string().min(1),
  internetMessageId: z.string().nullish(),
  /** Exchange's conversation: thread resolution's last resort for replies that lost every other trace. */
  conversationId: z.string().max(1000).nullish(),
  receivedDateTime: z.string().nullish(),
  parentFolderId: z.string().nullish(),
  '@removed': z.object({ reason: z.string() }).optional(),
});
export type GraphMessageRef = z.infer<typeof GraphMessageRef>;

/** One page of a delta round: more to come (`@odata.nextLink`) or the round's end (`@odata.deltaLink`). */
export const DeltaPage = z
  .object({
    '@odata.nextLink': z.url().optional(),
    '@odata.deltaLink': z.url().optional(),
    value: z.array(GraphMessageRef),
  })
  .refine((p) => (p['@odata.nextLink'] === undefined) !== (p['@odata.deltaLink'] === undefined), {
    message: 'a delta page has exactly one of @odata.nextLink and @odata.deltaLink',
  });
export type DeltaPage = z.infer<typeof DeltaPage>;

export const MailFolder = z.object({
  id: z.string().min(1),
  displayName: z.string(),
  parentFolderId: z.string().nullish(),
});
export type MailFolder = z.infer<typeof MailFolder>;

export const MailFolderPage = z.object({
  value: z.array(MailFolder),
  '@odata.nextLink': z.url().optional(),
});

export const MovedMessage = z.object({
  id: z.string().min(1),
  parentFolderId: z.string().nullish(),
});

export const GraphSubscription = z.object({
  id: z.string().min(1),
  resource: z.string(),
  changeType: z.string(),
  expirationDateTime: z.string(),
  notificationUrl: z.string(),
  lifecycleNotificationUrl: z.string().nullish(),
  clientState: z.string().nullish(),
});
export type GraphSubscription = z.infer<typeof GraphSubscription>;

/** The Graph source's per-folder cursor: the round's delta link and the folder it belongs to. */
export const GraphFolderCursor = z.object({
  deltaLink: z.url(),
  folderId: z.string().min(1),
});
export type GraphFolderCursor = z.infer<typeof GraphFolderCursor>;
