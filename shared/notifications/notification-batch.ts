import { z } from 'zod';

/**
 * What Graph POSTs to a notification URL: `{ value: [notification, ...] }`. Change
 * notifications carry `changeType`; lifecycle notifications carry `lifecycleEvent`.
 *
 * Every item is parsed on its own: one malformed item is skipped (and reported by its
 * index and field), the rest of the batch still counts. Unknown fields are tolerated, as
 * Graph adds fields over time. Nothing here is trusted yet: the clientState check decides.
 */

/** The batch envelope; a body without `value[]` is answered 400 naming the field. */
export const NotificationBatch = z.object({
  value: z.array(z.unknown()),
});

/**
 * Items looked at per request; the rest are dropped (and counted) rather than refused,
 * as a refusal makes Graph send the whole batch again. The body size limit
 * (shared/http/body.ts) bounds how many can arrive at all.
 */
export const MAX_NOTIFICATIONS_PER_BATCH = 1000;

const common = {
  subscriptionId: z.string().min(1).max(200),
  /** Echo of the subscription's secret; checked against the stored hash, never logged. */
  clientState: z.string().max(1024).nullish(),
  subscriptionExpirationDateTime: z.string().optional(),
  tenantId: z.string().optional(),
};

export const ChangeNotification = z.object({
  ...common,
  /** Graph's id of this notification (duplicates share it). */
  id: z.string().optional(),
  changeType: z.string().min(1),
  /** e.g. `Users/{user-id}/Messages/{message-id}`. */
  resource: z.string().optional(),
  resourceData: z.object({ id: z.string().optional() }).loose().nullish(),
});
export type ChangeNotification = z.infer<typeof ChangeNotification>;

/** The lifecycle events this app acts on; others are ignored (and logged). */
export const KnownLifecycleEvent = z.enum(['missed', 'subscriptionRemoved', 'reauthorizationRequired']);
export type KnownLifecycleEvent = z.infer<typeof KnownLifecycleEvent>;

export const LifecycleNotification = z.object({
  ...common,
  lifecycleEvent: z.string().min(1),
  resource: z.string().nullish(),
});
export type LifecycleNotification = z.infer<typeof LifecycleNotification>;

export type ParsedNotification =
  | { kind: 'change'; notification: ChangeNotification }
  | { kind: 'lifecycle'; notification: LifecycleNotification };

export interface SkippedItem {
  index: number;
  /** Which fields were wrong (paths and messages only, never the values). */
  problems: string[];
}

export interface ParsedBatch {
  notifications: ParsedNotification[];
  skipped: SkippedItem[];
  /** Items beyond MAX_NOTIFICATIONS_PER_BATCH, not parsed. */
  overflow?: number;
}

function problemsOf(error: z.ZodError): string[] {
  return error.issues.map((i) => `${i.path.length ? i.path.join('.') : '(item)'}: ${i.message}`);
}

/** Splits a batch (already checked against `NotificationBatch`) into typed notifications and skipped items. */
export function parseNotifications(batch: NotificationBatch): ParsedBatch {
  const out: ParsedBatch = { notifications: [], skipped: [], overflow: Math.max(0, batch.value.length - MAX_NOTIFICATIONS_PER_BATCH) };
  batch.value.slice(0, MAX_NOTIFICATIONS_PER_BATCH).forEach((item, index) => {
    const isLifecycle = typeof item === 'object' && item !== null && 'lifecycleEvent' in item;
    if (isLifecycle) {
      const r = LifecycleNotification.safeParse(item);
      if (r.success) out.notifications.push({ kind: 'lifecycle', notification: r.data });
      else out.skipped.push({ index, problems: problemsOf(r.error) });
    } else {
      const r = ChangeNotification.safeParse(item);
      if (r.success) out.notifications.push({ kind: 'change', notification: r.data });
      else out.skipped.push({ index, problems: problemsOf(r.error) });
    }
  });
  return out;
}
export type NotificationBatch = z.infer<typeof NotificationBatch>;
