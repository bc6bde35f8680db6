import { app } from '@azure/functions';
import { notificationEndpoint } from '../shared/notifications/endpoint';
import { lazyReceiveDeps } from '../shared/notifications/lazy-runtime';
import { NotificationRoutes } from '../shared/notifications/urls';

/**
 * POST /api/graph/lifecycle — Microsoft Graph lifecycle notifications (missed,
 * subscriptionRemoved, reauthorizationRequired) and their validation handshake.
 * Anonymous, clientState-checked; enqueues syncs, marks renew/recreate for the
 * renewSubscriptions run, answers 202.
 */
app.http('graphLifecycle', {
  route: NotificationRoutes.lifecycle,
  methods: ['POST'],
  authLevel: 'anonymous',
  handler: notificationEndpoint('lifecycle', lazyReceiveDeps),
});
