import { app } from '@azure/functions';
import { adminRoutes } from '../shared/admin/routes';
import { adminApi } from '../shared/admin/api';

/** PUT /api/channels/{id} — replace a channel (If-Match optional). (authLevel anonymous: the admin check happens in shared/http (see admin-auth.ts)) */
const r = adminRoutes.replaceChannel;
app.http(r.name, { route: r.route, methods: [r.method], authLevel: 'anonymous', handler: adminApi.replaceChannel });
