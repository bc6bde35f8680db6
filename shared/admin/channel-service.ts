import { readSignIn } from '../store/channel-sign-in';
import { randomUUID } from 'node:crypto';
import { MailboxSyncMessage, QueueNames } from '../queue/contracts';
import { sendQueueMessage } from '../queue/send';
import { ChannelInput, ChannelRecord, ChannelView } from '../config/channel';
import { ValidationError } from '../http/api-error';
import { parseOrThrow } from '../http/validation';
import { assertIfMatch } from '../http/etag';
import type { SecretStore } from '../secrets/secret-store';
import { secretStore } from '../secrets';
import {
  readChannelRecord, listChannelRecords, createChannelRecord, replaceChannelRecord, deleteChannelRecord, type StoredChannel,
} from '../store/channel-repository';
import { ConflictError, NotFoundError } from '../store/errors';
import { getTemplate, ensureSilentOffer, deleteSilentOffer, ensureSeedCatalogue } from '../tickets/catalogue';
import { readTemplate } from '../store/template-repository';
import type { Template } from '../tickets/template';
import { applyMergePatch, isPlainObject } from './merge-patch';
import {
  storeInputSecrets, secretStatusView, recordSecretRefs, deleteQuietly, dropSecretStatusObjects, extractSecrets, placeAt, secretRouteIssues,
} from './channel-secrets';
import { ticketMappingIssues } from './channel-references';

/**
 * The mail channel's configuration lifecycle: create, read, replace (PUT), merge-patch
 * (PATCH), delete, publish and pause. Bodies arrive unvalidated (`unknown`) and leave as
 * `ChannelView`s: secrets go to the secret store on the way in and come back only as
 * `{ isSet }`. Rules that are about state, not shape, answer 409: the template of a
 * published channel is fixed; only a published channel can be paused.
 */
export interface ChangeContext {
  /** Who makes the change (createdBy / updatedBy). */
  actor: string;
  /** The client's If-Match entity tags; undefined = no precondition. */
  ifMatch?: readonly string[];
  /** Where to report non-fatal trouble (e.g. an old secret that could not be deleted). */
  warn?: (message: string) => void;
  /** Defaults to the process-wide store. */
  secrets?: SecretStore;
}

const KIND = 'channel';

export function toView(stored: StoredChannel): ChannelView {
  return ChannelView.parse({ ...secretStatusView(stored.record), etag: quote(stored.etag) });
}

function quote(etag: string): string {
  return etag.startsWith('"') ? etag : `"${etag}"`;
}

export async function getChannel(id: string): Promise<ChannelView> {
  return withSignInState(toView(await mustRead(id)));
}

export async function listChannels(): Promise<ChannelView[]> {
  return Promise.all((await listChannelRecords()).map((c) => withSignInState(toView(c))));
}

/** A channel signed in by the authorization-code flow shows when it needs signing in again (one point read, only for such channels). */
async function withSignInState(view: ChannelView): Promise<ChannelView> {
  const auth = view.connection.auth;
  if (auth.type !== 'oauth' || auth.flow !== 'authorizationCode') return view;
  const needs = (await readSignIn(view.id))?.record.needsReauthorization;
  return needs ? { ...view, needsReauthorization: needs } : view;
}

export async function createChannel(body: unknown, ctx: ChangeContext): Promise<ChannelView> {
  const input = parseOrThrow(ChannelInput, dropSecretStatusObjects(body));
  await checkReferences(input);
  const id = randomUUID();
  const store = ctx.secrets ?? secretStore();
  const { record: draft, written } = await storeInputSecrets(id, input, undefined, store);
  const now = new Date().toISOString();
  const record: ChannelRecord = { ...draft, id, status: 'draft', createdAt: now, createdBy: ctx.actor, updatedAt: now, updatedBy: ctx.actor };
  try {
    return toView(await createChannelRecord(record));
  } catch (err) {
    await deleteQuietly(store, written);
    throw err;
  }
}

/** PUT: the body is the whole channel; absent secrets are kept, `null` clears one. */
export async function replaceChannel(id: string, body: unknown, ctx: ChangeContext): Promise<ChannelView> {
  const current = await mustRead(id);
  assertIfMatch(KIND, id, current.etag, ctx.ifMatch);
  const input = parseOrThrow(ChannelInput, dropSecretStatusObjects(body));
  return saveInput(current, input, ctx);
}

/**
 * PATCH: a JSON merge patch (RFC 7396) applied to the channel as an admin sees it without
 * secrets; the result must be a valid full channel. Secret keys in the patch keep their
 * meaning from PUT (a value sets, `null` clears), rather than merge-patch's "null removes".
 */
export async function patchChannel(id: string, patch: unknown, ctx: ChangeContext): Promise<ChannelView> {
  if (!isPlainObject(patch)) throw notAnObject();
  const current = await mustRead(id);
  assertIfMatch(KIND, id, current.etag, ctx.ifMatch);
  return saveInput(current, patchedInput(current.record, patch), ctx);
}

/**
 * The channel a PATCH with this body would make, validated exactly as PATCH validates it
 * (400/409 alike), stored nowhere (the impact preview decides mail with it). Its secrets are
 * left out: deciding about a mail never reads them, and a new one must not reach the store.
 */
export async function previewPatchedChannel(id: string, patch: unknown): Promise<{ current: ChannelRecord; edited: ChannelRecord }> {
  if (!isPlainObject(patch)) throw notAnObject();
  const current = (await mustRead(id)).record;
  const input = patchedInput(current, patch);
  await checkChange(current, input);
  const { rest: withoutSecrets } = extractSecrets(input);
  const { id: channelId, status, createdAt, createdBy, updatedAt, updatedBy, publishedAt, offerId } = current;
  const audit = { id: channelId, status, createdAt, createdBy, updatedAt, updatedBy, ...(publishedAt ? { publishedAt } : {}), ...(offerId ? { offerId } : {}) };
  return { current, edited: ChannelRecord.parse({ ...(withoutSecrets as Record<string, unknown>), ...audit }) };
}

const notAnObject = () => new ValidationError([{ path: '', message: 'a merge patch must be a JSON object' }]);

/**
 * A merge patch applied to the channel as an admin sees it without secrets; the result must
 * be a valid full channel. Secret keys in the patch keep their meaning from PUT (a value
 * sets, `null` clears), rather than merge-patch's "null removes".
 */
function patchedInput(record: ChannelRecord, patch: Record<string, unknown>): ChannelInput {
  const { rest: patchWithoutSecrets, found: secretChanges } = extractSecrets(patch);
  const { rest: editable } = extractSecrets(editableFields(record));
  const merged = applyMergePatch(editable, patchWithoutSecrets);
  for (const [path, value] of secretChanges) {
    const isStatus = isPlainObject(value) && typeof value.isSet === 'boolean';
    if (!isStatus) placeAt(merged, path, value);
  }
  return parseOrThrow(ChannelInput, merged);
}

export async function deleteChannel(id: string, ctx: ChangeContext): Promise<void> {
  const current = await mustRead(id);
  assertIfMatch(KIND, id, current.etag, ctx.ifMatch);
  await deleteChannelRecord(id, current.etag);
  const store = ctx.secrets ?? secretStore();
  const failed = await deleteQuietly(store, recordSecretRefs(current.record).map((r) => r.ref));
  if (failed.length > 0) ctx.warn?.(`channel ${id} deleted; ${failed.length} of its secrets could not be deleted from the secret store`);
  await deleteSilentOffer(id);
}

/**
 * draft|paused → published. Sets `publishedAt` on the first publish and creates the
 * channel's silent offer (one per channel, however often this runs). Publishing a
 * published channel changes nothing and answers with it.
 */
export async function publishChannel(id: string, ctx: ChangeContext): Promise<ChannelView> {
  const current = await mustRead(id);
  assertIfMatch(KIND, id, current.etag, ctx.ifMatch);
  const rec = current.record;
  const template = await getTemplate(rec.ticketMapping.templateId);
  if (!template) {
    throw new ConflictError(`cannot publish channel "${rec.name}": its template "${rec.ticketMapping.templateId}" does not exist (any more)`);
  }
  const offer = await ensureSilentOffer({ id, name: rec.name, templateId: rec.ticketMapping.templateId });
  if (rec.status === 'published' && rec.offerId === offer.id && rec.publishedAt) return toView(current);
  const now = new Date().toISOString();
  const next: ChannelRecord = {
    ...rec,
    status: 'published',
    publishedAt: rec.publishedAt ?? now,
    offerId: offer.id,
    updatedAt: now,
    updatedBy: ctx.actor,
  };
  const view = toView(await replaceChannelRecord(next, current.etag));
  await requestFirstSync(id, ctx);
  return view;
}

/**
 * Publishing asks for a sync right away: it creates the success and fail folders and
 * starts reading, instead of waiting up to a minute for the timer. When the queue is
 * unreachable the publish still stands; the timer catches up.
 */
async function requestFirstSync(id: string, ctx: ChangeContext): Promise<void> {
  try {
    await sendQueueMessage(QueueNames.mailboxSync, MailboxSyncMessage, { channelId: id, reason: 'publish', fullResync: false, requestedAt: new Date().toISOString() });
  } catch (err) {
    ctx.warn?.(`channel ${id} published, but its first sync could not be queued (${err instanceof Error ? err.name : 'error'}); the timer will pick it up`);
  }
}

/** published → paused (mail is left in the mailbox until it is published again). */
export async function pauseChannel(id: string, ctx: ChangeContext): Promise<ChannelView> {
  const current = await mustRead(id);
  assertIfMatch(KIND, id, current.etag, ctx.ifMatch);
  const rec = current.record;
  if (rec.status === 'paused') return toView(current);
  if (rec.status !== 'published') throw new ConflictError(`channel "${rec.name}" is ${rec.status}: only a published channel can be paused`);
  const now = new Date().toISOString();
  return toView(await replaceChannelRecord({ ...rec, status: 'paused', updatedAt: now, updatedBy: ctx.actor }, current.etag));
}

// ---------- internals ----------

async function mustRead(id: string): Promise<StoredChannel> {
  const stored = await readChannelRecord(id);
  if (!stored) throw new NotFoundError(KIND, id);
  return stored;
}

/** The fields an admin edits (what ChannelInput describes), from a stored record. */
function editableFields(record: ChannelRecord): Record<string, unknown> {
  const { id: _id, status: _s, createdAt: _ca, createdBy: _cb, updatedAt: _ua, updatedBy: _ub, publishedAt: _pa, offerId: _o, ...rest } = record;
  return structuredClone(rest) as Record<string, unknown>;
}

async function saveInput(current: StoredChannel, input: ChannelInput, ctx: ChangeContext): Promise<ChannelView> {
  const rec = current.record;
  await checkChange(rec, input);
  const store = ctx.secrets ?? secretStore();
  const { record: draft, written, obsolete } = await storeInputSecrets(rec.id, input, rec, store);
  const next: ChannelRecord = {
    ...draft,
    id: rec.id,
    status: rec.status,
    createdAt: rec.createdAt,
    createdBy: rec.createdBy,
    updatedAt: new Date().toISOString(),
    updatedBy: ctx.actor,
    ...(rec.publishedAt ? { publishedAt: rec.publishedAt } : {}),
    ...(rec.offerId ? { offerId: rec.offerId } : {}),
  };
  let saved: StoredChannel;
  try {
    saved = await replaceChannelRecord(next, current.etag);
  } catch (err) {
    await deleteQuietly(store, written);
    throw err;
  }
  const failed = await deleteQuietly(store, obsolete);
  if (failed.length > 0) ctx.warn?.(`channel ${rec.id} saved; ${failed.length} replaced secrets could not be deleted from the secret store`);
  return toView(saved);
}

/** The rules a changed channel must meet beyond its shape: the template lock, where secrets go, references. */
async function checkChange(rec: ChannelRecord, input: ChannelInput): Promise<void> {
  if (rec.publishedAt && input.ticketMapping.templateId !== rec.ticketMapping.templateId) {
    throw new ConflictError(
      `ticketMapping.templateId cannot change after the channel was first published (${rec.publishedAt}): ` +
        `its tickets and silent offer belong to template "${rec.ticketMapping.templateId}"; create a new channel for template "${input.ticketMapping.templateId}"`,
    );
  }
  const routeIssues = secretRouteIssues(input, rec);
  if (routeIssues.length > 0) throw new ValidationError(routeIssues);
  await checkReferences(input);
}

/** 400 naming each field that references a template (or template field) that does not exist. */
async function checkReferences(input: ChannelInput): Promise<void> {
  await ensureSeedCatalogue();
  const ids = [...new Set([input.ticketMapping.templateId, ...input.ticketMapping.whitelist])];
  const templates = new Map<string, Template>();
  await Promise.all(
    ids.map(async (id) => {
      const t = await readTemplate(id);
      if (t) templates.set(id, t);
    }),
  );
  const issues = ticketMappingIssues(input, templates);
  if (issues.length > 0) throw new ValidationError(issues);
}
