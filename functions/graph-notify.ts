import { app } from '@azure/functions';
import { notificationEndpoint } from '../shared/notifications/endpoint';
import { lazyReceiveDeps } from '../shared/notifications/lazy-runtime';
import { NotificationRoutes } from '../shared/notifications/urls';

/**
 * POST /api/graph/notify — Microsoft Graph change notifications (and their validation
 * handshake). Anonymous: Graph sends no credentials; each notification's clientState is
 * checked against its subscription instead. Enqueues syncs and answers 202.
 */
app.http('graphNotify', {
  route: NotificationRoutes.notify,
  methods: ['POST'],
  authLevel: 'anonymous',
  handler: notificationEndpoint('change', lazyReceiveDeps),
});
