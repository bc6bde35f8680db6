import type { FolderState, MailboxState, MessageState } from './store';

/** How Graph renders resources: ids per the request's `Prefer: IdType`, `$select` honoured. */
export interface RenderOptions {
  immutableIds: boolean;
  select?: string[];
}

export function messageId(m: MessageState, immutableIds: boolean): string {
  return immutableIds ? m.immutableId : m.restId;
}

export function renderMessage(m: MessageState, opts: RenderOptions): Record<string, unknown> {
  const id = messageId(m, opts.immutableIds);
  const full: Record<string, unknown> = {
    '@odata.etag': `W/"${m.changeKey}"`,
    id,
    createdDateTime: m.createdDateTime,
    lastModifiedDateTime: m.lastModifiedDateTime,
    changeKey: m.changeKey,
    categories: [],
    receivedDateTime: m.receivedDateTime,
    sentDateTime: m.meta.sentDateTime ?? m.receivedDateTime,
    hasAttachments: m.meta.hasAttachments,
    internetMessageId: m.meta.internetMessageId,
    subject: m.meta.subject,
    bodyPreview: m.meta.bodyPreview,
    importance: m.meta.importance,
    parentFolderId: m.folderId,
    conversationId: `AAQkAGConv${m.immutableId.slice(-16)}`,
    isDeliveryReceiptRequested: false,
    isReadReceiptRequested: false,
    isRead: m.isRead,
    isDraft: false,
    webLink: `https://outlook.office365.com/owa/?ItemID=${encodeURIComponent(id)}&exvsurl=1&viewmodel=ReadMessageItem`,
    inferenceClassification: 'focused',
    body: m.meta.body,
    sender: m.meta.from,
    from: m.meta.from,
    toRecipients: m.meta.toRecipients,
    ccRecipients: m.meta.ccRecipients,
    bccRecipients: m.meta.bccRecipients,
    replyTo: m.meta.replyTo,
    flag: { flagStatus: 'notFlagged' },
  };
  if (!opts.select || opts.select.length === 0) return full;
  const picked: Record<string, unknown> = { '@odata.etag': full['@odata.etag'], id };
  for (const key of opts.select) {
    const match = Object.keys(full).find((k) => k.toLowerCase() === key.toLowerCase());
    if (match) picked[match] = full[match];
  }
  return picked;
}

export function renderFolder(mb: MailboxState, f: FolderState): Record<string, unknown> {
  const inFolder = mb.messagesIn(f.id);
  return {
    id: f.id,
    displayName: f.displayName,
    parentFolderId: f.parentFolderId,
    childFolderCount: mb.children(f.id).length,
    unreadItemCount: inFolder.filter((m) => !m.isRead).length,
    totalItemCount: inFolder.length,
    sizeInBytes: inFolder.reduce((n, m) => n + m.raw.length, 0),
    isHidden: f.isHidden,
  };
}
