import { PermanentError } from '../errors';
import { graphStatus, isGraphError, parseGraph } from './graph-errors';
import type { GraphConnection } from './graph-connection';
import { MailFolder, MailFolderPage } from './graph-schemas';

/**
 * Folder names as admins write them ("Inbox", "Processed", "Tickets/Failed") to Graph
 * folder ids. Well-known names (inbox, archive, …) resolve directly; other names are
 * display-name paths below the mailbox root, one level per "/". Ids are cached for the
 * whole process (10 min), so processing a mail costs no folder look-up.
 */

/** Graph's well-known folder names (case-insensitive). */
export const WELL_KNOWN_FOLDER_NAMES = new Set([
  'archive', 'clutter', 'conflicts', 'conversationhistory', 'deleteditems', 'drafts', 'inbox', 'junkemail',
  'localfailures', 'msgfolderroot', 'outbox', 'recoverableitemsdeletions', 'scheduled', 'searchfolders',
  'sentitems', 'serverfailures', 'syncissues',
]);

const TTL_MS = 10 * 60_000;
const cache = new Map<string, { id: string; at: number }>();

/** Forgets every cached folder id (tests; or after folders were renamed). */
export function clearFolderCache(): void {
  cache.clear();
}

/** Looks like a Graph id rather than a name (long, no spaces or slashes). */
function looksLikeId(name: string): boolean {
  return name.length >= 40 && /^[A-Za-z0-9_\-+=.]+$/.test(name);
}

/** OData string literal: quotes doubled, then URL-encoded (the Graph client sends queries as given). */
function odataString(value: string): string {
  return encodeURIComponent(`'${value.replace(/'/g, "''")}'`);
}

export class GraphFolders {
  constructor(private readonly conn: GraphConnection) {}

  private key(name: string): string {
    return `${this.conn.endpoint.host}:${this.conn.endpoint.port}|${this.conn.mailbox}|${name}`.toLowerCase();
  }

  forget(name: string): void {
    cache.delete(this.key(name));
  }

  /** The folder's id, or undefined when no such folder exists. */
  async resolve(name: string): Promise<string | undefined> {
    const cached = cache.get(this.key(name));
    if (cached && Date.now() - cached.at < TTL_MS) return cached.id;
    const id = await this.lookup(name);
    if (id) cache.set(this.key(name), { id, at: Date.now() });
    return id;
  }

  /** The folder's id; creates it (and missing parents) when absent. */
  async ensure(name: string): Promise<string> {
    const existing = await this.resolve(name);
    if (existing) return existing;
    if (WELL_KNOWN_FOLDER_NAMES.has(name.toLowerCase()) || looksLikeId(name)) {
      throw new PermanentError('GRAPH_FOLDER_MISSING', `folder "${name}" does not exist in mailbox ${this.conn.mailbox} and cannot be created by name`);
    }
    let parentId: string | undefined;
    for (const segment of this.segments(name)) {
      parentId = (await this.child(parentId, segment)) ?? (await this.create(parentId, segment));
    }
    if (!parentId) throw new PermanentError('GRAPH_FOLDER_MISSING', `empty folder name "${name}"`);
    cache.set(this.key(name), { id: parentId, at: Date.now() });
    return parentId;
  }

  private segments(name: string): string[] {
    const parts = name.split('/').map((s) => s.trim());
    if (parts.some((p) => p === '')) throw new PermanentError('GRAPH_FOLDER_INVALID', `folder "${name}" has an empty path segment`);
    return parts;
  }

  private async lookup(name: string): Promise<string | undefined> {
    if (WELL_KNOWN_FOLDER_NAMES.has(name.toLowerCase()) || looksLikeId(name)) {
      return this.byIdOrWellKnown(looksLikeId(name) ? name : name.toLowerCase());
    }
    let parentId: string | undefined;
    for (const segment of this.segments(name)) {
      parentId = await this.child(parentId, segment);
      if (!parentId) return undefined;
    }
    return parentId;
  }

  private async byIdOrWellKnown(idOrName: string): Promise<string | undefined> {
    const r = await this.conn.callKeeping(
      `reading folder "${idOrName}"`,
      (err) => graphStatus(err) === 404 || (isGraphError(err) && err.statusCode === 400),
      (c) => c.api(`${this.conn.userPath}/mailFolders/${encodeURIComponent(idOrName)}`).select(['id', 'displayName', 'parentFolderId']).get() as Promise<unknown>,
    );
    if (r && typeof r === 'object' && 'kept' in r) return undefined;
    return parseGraph(MailFolder, r, `folder "${idOrName}"`).id;
  }

  /** A direct child of `parentId` (the root when undefined) by display name. */
  private async child(parentId: string | undefined, displayName: string): Promise<string | undefined> {
    const base = parentId ? `${this.conn.userPath}/mailFolders/${encodeURIComponent(parentId)}/childFolders` : `${this.conn.userPath}/mailFolders`;
    const page = await this.conn.call(`finding folder "${displayName}"`, (c) =>
      c.api(base).query({ $filter: `displayName eq ${odataString(displayName)}`, $select: 'id,displayName,parentFolderId', includeHiddenFolders: 'true' }).get() as Promise<unknown>,
    );
    const folders = parseGraph(MailFolderPage, page, `folders named "${displayName}"`).value;
    return folders.find((f) => f.displayName.toLowerCase() === displayName.toLowerCase())?.id ?? folders[0]?.id;
  }

  private async create(parentId: string | undefined, displayName: string): Promise<string> {
    const base = parentId ? `${this.conn.userPath}/mailFolders/${encodeURIComponent(parentId)}/childFolders` : `${this.conn.userPath}/mailFolders`;
    const r = await this.conn.callKeeping(
      `creating folder "${displayName}"`,
      (err) => graphStatus(err) === 409,
      (c) => c.api(base).post({ displayName }) as Promise<unknown>,
    );
    if (r && typeof r === 'object' && 'kept' in r) {
      // Created meanwhile by someone else: use theirs.
      const id = await this.child(parentId, displayName);
      if (!id) throw new PermanentError('GRAPH_FOLDER_MISSING', `folder "${displayName}" reported as existing but cannot be found`);
      return id;
    }
    return parseGraph(MailFolder, r, `created folder "${displayName}"`).id;
  }
}
