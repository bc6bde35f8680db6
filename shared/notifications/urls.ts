import { trimEndOf } from '../linear-trim';

/**
 * Where Graph sends notifications for this app: two anonymous HTTP functions under the
 * Function App's public base URL (`PUBLIC_BASE_URL`). The routes live here so the
 * functions that serve them and the subscriptions that point at them cannot drift apart.
 */
export const NotificationRoutes = {
  /** Change notifications (and the validation handshake). */
  notify: 'graph/notify',
  /** Lifecycle notifications: missed, subscriptionRemoved, reauthorizationRequired. */
  lifecycle: 'graph/lifecycle',
} as const;

export interface NotificationUrls {
  notificationUrl: string;
  lifecycleNotificationUrl: string;
}

/** `https://app.example/api/graph/notify` and `.../lifecycle` from the public base URL (with or without a trailing slash or a path). */
export function notificationUrls(publicBaseUrl: string, routePrefix = 'api'): NotificationUrls {
  const base = trimEndOf(publicBaseUrl, '/');
  const prefix = routePrefix ? `/${routePrefix}` : '';
  return {
    notificationUrl: `${base}${prefix}/${NotificationRoutes.notify}`,
    lifecycleNotificationUrl: `${base}${prefix}/${NotificationRoutes.lifecycle}`,
  };
}
