import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { ResponseType, type Client } from '@microsoft/microsoft-graph-client';
import type { ChannelRecord } from '../config/channel';
import { PermanentError } from '../errors';
import type { SourceRef } from '../queue/contracts';
import { GraphConnection, IMMUTABLE_ID_PREFERENCE, type GraphSourceDeps } from './graph-connection';
import { graphErrorFromResponse, graphStatus, isSyncStateGone, parseGraph, toChannelError } from './graph-errors';
import { GraphFolders } from './graph-folders';
import { DeltaPage, GraphFolderCursor, GraphMessageRef, MovedMessage } from './graph-schemas';
import type { FolderCursor, ListedMail, ListResult, MailSource } from './mail-source';

/**
 * The Microsoft Graph mail source.
 *
 * Listing is a per-folder delta query (`messages/delta?changeType=created`); the cursor is
 * the round's `@odata.deltaLink`. The first sync of a folder pages through the delta to its
 * end: with `since`, the mail received since then (`$filter=receivedDateTime ge …`) is listed;
 * without, nothing is — only mail arriving afterwards will be. An expired delta link (410
 * SyncStateNotFound) starts a full resync that lists the whole folder (`resynced: true`; the
 * ledger drops what was seen before).
 *
 * Every request carries `Prefer: IdType="ImmutableId"` (ids survive moves), goes through
 * the per-mailbox limiter (4 concurrent requests), and is retried on 429/503/504 as
 * Retry-After says, up to the channel's `settings.retryCount`. Per mail: one `$value`, one
 * `move`; folder ids are cached.
 */

/** Messages per delta page (`Prefer: odata.maxpagesize`). */
export const DELTA_PAGE_SIZE = 100;
/** A safety stop for a delta round that never ends. */
const MAX_DELTA_PAGES = 100_000;

export type { GraphSourceDeps } from './graph-connection';

interface DeltaRound {
  items: GraphMessageRef[];
  deltaLink: string;
}

/** Graph's receivedDateTime has whole seconds: round `since` down so "at or after" holds. */
function sinceFilter(since: Date): string {
  const iso = new Date(Math.floor(since.getTime() / 1000) * 1000).toISOString().replace('.000Z', 'Z');
  return `receivedDateTime ge ${iso}`;
}

function toListed(folderId: string, items: GraphMessageRef[]): ListedMail[] {
  const seen = new Map<string, ListedMail>();
  for (const m of items) {
    if (m['@removed']) {
      seen.delete(m.id);
      continue;
    }
    seen.set(m.id, {
      ref: { protocol: 'graph', folder: folderId, messageId: m.id },
      ...(m.internetMessageId ? { internetMessageId: m.internetMessageId } : {}),
      ...(m.conversationId ? { conversationId: m.conversationId } : {}),
      ...(m.receivedDateTime ? { receivedAt: new Date(m.receivedDateTime).toISOString() } : {}),
    });
  }
  return [...seen.values()].sort((a, b) => (a.receivedAt ?? '').localeCompare(b.receivedAt ?? ''));
}

export class GraphMailSource implements MailSource {
  readonly conn: GraphConnection;
  private readonly folders: GraphFolders;

  constructor(channel: ChannelRecord, deps: GraphSourceDeps) {
    this.conn = new GraphConnection(channel, deps);
    this.folders = new GraphFolders(this.conn);
  }

  private async folderId(name: string): Promise<string> {
    const id = await this.folders.resolve(name);
    if (!id) throw new PermanentError('GRAPH_FOLDER_MISSING', `folder "${name}" does not exist in mailbox ${this.conn.mailbox}`);
    return id;
  }

  async listNew(folder: string, cursor: FolderCursor | undefined, options?: { since?: Date }): Promise<ListResult> {
    try {
      return await this.listIn(await this.folderId(folder), folder, cursor, options);
    } catch (err) {
      // A cached folder id can outlive its folder (deleted and made anew): look it up again once.
      if (!(err instanceof PermanentError && err.code === 'GRAPH_NOT_FOUND')) throw err;
      this.folders.forget(folder);
      return this.listIn(await this.folderId(folder), folder, cursor, options);
    }
  }

  private async listIn(folderId: string, folder: string, cursor: FolderCursor | undefined, options?: { since?: Date }): Promise<ListResult> {
    if (cursor !== undefined) {
      const parsed = GraphFolderCursor.safeParse(cursor);
      if (parsed.success && parsed.data.folderId === folderId) {
        try {
          const round = await this.runDelta(parsed.data.deltaLink, `listing new mail in "${folder}"`, true);
          return { mails: toListed(folderId, round.items), cursor: { deltaLink: round.deltaLink, folderId }, resynced: false };
        } catch (err) {
          if (!isSyncStateGone(err)) throw err;
        }
      }
      // Expired, foreign or unreadable cursor: sweep the whole folder again.
      const round = await this.runDelta(this.initialDeltaPath(folderId), `resyncing "${folder}"`);
      return { mails: toListed(folderId, round.items), cursor: { deltaLink: round.deltaLink, folderId }, resynced: true };
    }
    const since = options?.since;
    const round = await this.runDelta(this.initialDeltaPath(folderId, since), `starting to track "${folder}"`);
    return { mails: since ? toListed(folderId, round.items) : [], cursor: { deltaLink: round.deltaLink, folderId }, resynced: false };
  }

  private initialDeltaPath(folderId: string, since?: Date): string {
    const params = ['$select=internetMessageId,conversationId,receivedDateTime', 'changeType=created'];
    if (since) params.push(`$filter=${encodeURIComponent(sinceFilter(since))}`);
    return `${this.conn.userPath}/mailFolders/${encodeURIComponent(folderId)}/messages/delta?${params.join('&')}`;
  }

  /**
   * One delta round from `start` (a path or a delta link) to its `@odata.deltaLink`.
   * With `passGone`, sync-state errors (410) are passed on raw so the caller can resync;
   * every other failure is typed.
   */
  private async runDelta(start: string, what: string, passGone = false): Promise<DeltaRound> {
    const items: GraphMessageRef[] = [];
    let url = start;
    for (let pages = 0; pages < MAX_DELTA_PAGES; pages++) {
      const raw = await this.conn.callKeeping(what, isSyncStateGone, (c: Client) =>
        c.api(url).header('Prefer', `${IMMUTABLE_ID_PREFERENCE}, odata.maxpagesize=${DELTA_PAGE_SIZE}`).get() as Promise<unknown>,
      );
      if (raw && typeof raw === 'object' && 'kept' in raw) throw passGone ? raw.kept : toChannelError(raw.kept, what);
      const page = parseGraph(DeltaPage, raw, what);
      items.push(...page.value);
      const deltaLink = page['@odata.deltaLink'];
      if (deltaLink) return { items, deltaLink };
      url = page['@odata.nextLink'] ?? '';
    }
    throw new PermanentError('GRAPH_DELTA_ENDLESS', `${what}: the delta round did not end after ${MAX_DELTA_PAGES} pages`);
  }

  async fetchRaw(ref: SourceRef): Promise<Buffer> {
    const id = this.graphRef(ref).messageId;
    // RAW: the client would drop an error response's headers (Retry-After) for binary bodies.
    return this.conn.call(`fetching message ${id}`, async (c) => {
      const res = (await c.api(`${this.conn.userPath}/messages/${encodeURIComponent(id)}/$value`).responseType(ResponseType.RAW).get()) as Response;
      if (!res.ok) throw await graphErrorFromResponse(res);
      return Buffer.from(await res.arrayBuffer());
    });
  }

  async streamRaw<T>(ref: SourceRef, consume: (body: Readable) => Promise<T>): Promise<T> {
    const id = this.graphRef(ref).messageId;
    // Only the request is retried (429/503 before any byte arrived); a body that breaks off
    // midway fails `consume`, and the queue retries the mail.
    const res = await this.conn.call(`fetching message ${id}`, async (c) => {
      const r = (await c.api(`${this.conn.userPath}/messages/${encodeURIComponent(id)}/$value`).responseType(ResponseType.RAW).get()) as Response;
      if (!r.ok) throw await graphErrorFromResponse(r);
      return r;
    });
    if (!res.body) return consume(Readable.from([]));
    const body = Readable.fromWeb(res.body as WebReadableStream<Uint8Array>);
    try {
      return await consume(body);
    } finally {
      body.destroy();
    }
  }

  async move(ref: SourceRef, targetFolder: string): Promise<SourceRef> {
    const { messageId, folder } = this.graphRef(ref);
    const targetId = await this.folderId(targetFolder);
    if (folder === targetId) return { protocol: 'graph', folder: targetId, messageId };
    const what = `moving message ${messageId} to "${targetFolder}"`;
    const r = await this.conn.callKeeping(what, (err) => graphStatus(err) === 404, (c) =>
      c.api(`${this.conn.userPath}/messages/${encodeURIComponent(messageId)}/move`).post({ destinationId: targetId }) as Promise<unknown>,
    );
    if (r && typeof r === 'object' && 'kept' in r) return this.afterMoveNotFound(messageId, targetFolder, targetId);
    const moved = parseGraph(MovedMessage, r, what);
    return { protocol: 'graph', folder: targetId, messageId: moved.id };
  }

  /** A 404 on move: the mail may already be in the target, the target may be gone, or the mail is. */
  private async afterMoveNotFound(messageId: string, targetFolder: string, targetId: string): Promise<SourceRef> {
    const r = await this.conn.callKeeping(`locating message ${messageId}`, (err) => graphStatus(err) === 404, (c) =>
      c.api(`${this.conn.userPath}/messages/${encodeURIComponent(messageId)}`).select(['id', 'parentFolderId']).get() as Promise<unknown>,
    );
    if (r && typeof r === 'object' && 'kept' in r) {
      throw new PermanentError('GRAPH_NOT_FOUND', `message ${messageId} no longer exists in mailbox ${this.conn.mailbox}`);
    }
    const found = parseGraph(MovedMessage, r, `locating message ${messageId}`);
    if (found.parentFolderId === targetId) return { protocol: 'graph', folder: targetId, messageId: found.id };
    this.folders.forget(targetFolder);
    throw new PermanentError('GRAPH_FOLDER_MISSING', `cannot move message ${messageId}: folder "${targetFolder}" was not found`);
  }

  async ensureFolders(folders: string[]): Promise<void> {
    for (const f of folders) await this.folders.ensure(f);
  }

  async close(): Promise<void> {
    // Nothing to release: HTTP connections are pooled by fetch; the limiter is process-wide.
  }

  private graphRef(ref: SourceRef): Extract<SourceRef, { protocol: 'graph' }> {
    if (ref.protocol !== 'graph') throw new PermanentError('GRAPH_WRONG_REF', `a Graph source cannot handle a ${ref.protocol} mail reference`);
    return ref;
  }
}

/** The Graph `MailSource` of a channel; `deps.getSecret` reads the client secret by its ref. */
export function createGraphMailSource(channel: ChannelRecord, deps: GraphSourceDeps): GraphMailSource {
  return new GraphMailSource(channel, deps);
}
