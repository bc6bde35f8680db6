import { app } from '@azure/functions';
import { adminRoutes } from '../shared/admin/routes';
import { adminApi } from '../shared/admin/api';

/** DELETE /api/channels/{id} — delete a channel, its secrets and its silent offer. (authLevel anonymous: the admin check happens in shared/http (see admin-auth.ts)) */
const r = adminRoutes.deleteChannel;
app.http(r.name, { route: r.route, methods: [r.method], authLevel: 'anonymous', handler: adminApi.deleteChannel });
