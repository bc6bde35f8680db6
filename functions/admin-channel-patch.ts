import { app } from '@azure/functions';
import { adminRoutes } from '../shared/admin/routes';
import { adminApi } from '../shared/admin/api';

/** PATCH /api/channels/{id} — JSON merge patch of a channel (If-Match optional). (authLevel anonymous: the admin check happens in shared/http (see admin-auth.ts)) */
const r = adminRoutes.patchChannel;
app.http(r.name, { route: r.route, methods: [r.method], authLevel: 'anonymous', handler: adminApi.patchChannel });
