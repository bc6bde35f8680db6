import { app } from '@azure/functions';
import { adminRoutes } from '../shared/admin/routes';
import { adminApi } from '../shared/admin/api';

/** POST /api/channels/{id}/publish — publish; creates the silent offer. (authLevel anonymous: the admin check happens in shared/http (see admin-auth.ts)) */
const r = adminRoutes.publishChannel;
app.http(r.name, { route: r.route, methods: [r.method], authLevel: 'anonymous', handler: adminApi.publishChannel });
