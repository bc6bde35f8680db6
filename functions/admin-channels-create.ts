import { app } from '@azure/functions';
import { adminRoutes } from '../shared/admin/routes';
import { adminApi } from '../shared/admin/api';

/** POST /api/channels — create a channel as draft; secrets go to the secret store. (authLevel anonymous: the admin check happens in shared/http (see admin-auth.ts)) */
const r = adminRoutes.createChannel;
app.http(r.name, { route: r.route, methods: [r.method], authLevel: 'anonymous', handler: adminApi.createChannel });
