import { randomBytes } from 'node:crypto';
import { GraphHttpError } from './http-util';
import type { DeltaChangeType, DeltaEntry, MailboxState, ReceivedFilter } from './store';

/**
 * Delta-query state tokens. A round (what one `@odata.deltaLink` answers) is a snapshot of
 * the folder's changes up to the moment it started; pages of it are served through
 * `$skiptoken`s, and its end yields a `$deltatoken` that remembers where it stopped. Tokens
 * are reusable (a client retrying a page after a 429 gets the same page) until
 * `expireAll()`, after which every one answers 410 `SyncStateNotFound`.
 */
export interface DeltaQuery {
  mailbox: string;
  folderId: string;
  select?: string[];
  changeType?: DeltaChangeType;
  filter?: ReceivedFilter;
}

interface SkipState {
  query: DeltaQuery;
  entries: DeltaEntry[];
  offset: number;
  untilSeq: number;
}

interface DeltaState {
  query: DeltaQuery;
  sinceSeq: number;
}

export interface DeltaPage {
  entries: DeltaEntry[];
  nextSkipToken?: string;
  deltaToken?: string;
}

function newToken(): string {
  return randomBytes(24).toString('base64url');
}

const GONE = () => new GraphHttpError(410, 'SyncStateNotFound', 'The sync state generation is not found. Resync is required.');

/** `receivedDateTime ge 2024-01-01T00:00:00Z` (or `gt`): the only filter delta supports on messages. */
export function parseReceivedFilter(filter: string | null): ReceivedFilter | undefined {
  if (filter === null || filter.trim() === '') return undefined;
  const m = /^\s*receivedDateTime\s+(ge|gt)\s+(\S+)\s*$/i.exec(filter);
  const at = m?.[2] ? Date.parse(m[2].replace(/^'|'$/g, '')) : Number.NaN;
  if (!m || Number.isNaN(at)) {
    throw new GraphHttpError(400, 'ErrorInvalidUrlQueryFilter', 'The query filter contains one or more invalid nodes.');
  }
  return { op: (m[1] ?? 'ge').toLowerCase() as 'ge' | 'gt', at };
}

export class DeltaTokens {
  private skips = new Map<string, SkipState>();
  private deltas = new Map<string, DeltaState>();

  expireAll(): void {
    this.skips.clear();
    this.deltas.clear();
  }

  /** Starts a round: the initial one (no token) or one from a delta token. */
  startRound(mb: MailboxState, query: DeltaQuery, deltaToken: string | undefined): SkipState {
    let sinceSeq: number | undefined;
    if (deltaToken !== undefined) {
      const state = this.deltas.get(deltaToken);
      if (!state) throw GONE();
      this.checkScope(state.query, query);
      query = state.query;
      sinceSeq = state.sinceSeq;
    }
    const untilSeq = mb.seq;
    return { query, entries: mb.deltaEntries(query.folderId, sinceSeq, untilSeq, query.changeType, query.filter), offset: 0, untilSeq };
  }

  resume(skipToken: string, scope: DeltaQuery): SkipState {
    const state = this.skips.get(skipToken);
    if (!state) throw GONE();
    this.checkScope(state.query, scope);
    return state;
  }

  /** The next page of a round, and the token for the page after it or for the next round. */
  page(state: SkipState, pageSize: number): DeltaPage {
    const entries = state.entries.slice(state.offset, state.offset + pageSize);
    const offset = state.offset + entries.length;
    if (offset < state.entries.length) {
      const token = newToken();
      this.skips.set(token, { ...state, offset });
      return { entries, nextSkipToken: token };
    }
    const token = newToken();
    this.deltas.set(token, { query: state.query, sinceSeq: state.untilSeq });
    return { entries, deltaToken: token };
  }

  private checkScope(stored: DeltaQuery, requested: DeltaQuery): void {
    if (stored.mailbox !== requested.mailbox || stored.folderId !== requested.folderId) {
      throw new GraphHttpError(400, 'ErrorInvalidParameter', 'The state token does not belong to this folder.');
    }
  }
}
